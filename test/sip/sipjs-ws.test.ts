// sip.js over SIP-over-WebSocket (RFC 7118): registers and places a call to a sipp phone on UDP, through
// OfficePBX (which double Record-Routes across the two transports, RFC 5658).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Inviter, Registerer, RegistererState, SessionState, UserAgent } from 'sip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { freePort } from '../support/ports.js';
import { plainSdpFactory } from '../support/sipjs.js';
import { runSipp, scenario, startSipp, uasArgs, usersCsv } from '../support/sipp.js';

function waitFor<T>(what: string, ms: number, check: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    check((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

describe('sip.js over WebSocket', () => {
  let pbx: RunningEngine;
  let ua: UserAgent;

  before(async () => {
    // No keep-alives: a sipp callee run with -m 1 counts an auto-answered OPTIONS as its one call.
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    for (const [ext, secret] of [
      ['3001', 'ws-secret-3001'],
      ['3002', 'ws-secret-3002'],
    ] as const) {
      const r = await pbx.api('POST', '/api/users', { extension: ext, name: `WS ${ext}`, secret });
      assert.equal(r.status, 201);
    }
    ua = new UserAgent({
      uri: UserAgent.makeURI('sip:3001@127.0.0.1'),
      transportOptions: { server: `ws://127.0.0.1:${pbx.httpPort}/ws` },
      authorizationUsername: '3001',
      authorizationPassword: 'ws-secret-3001',
      sessionDescriptionHandlerFactory: plainSdpFactory,
      logLevel: 'error',
      userAgentString: 'sipjs-test',
    });
    await ua.start();
  });

  after(async () => {
    await ua.stop();
    await pbx.stop();
  });

  it('registers with digest auth and shows up as a WS registration', async () => {
    const registerer = new Registerer(ua, { expires: 300 });
    const registered = waitFor<void>('registration', 10_000, (done) =>
      registerer.stateChange.addListener((s) => {
        if (s === RegistererState.Registered) done();
      }),
    );
    await registerer.register();
    await registered;
    const regs = await pbx.api<Array<{ extension: string; transport: string; userAgent: string }>>(
      'GET',
      '/api/registrations',
    );
    const mine = regs.body.find((r) => r.extension === '3001');
    assert.ok(mine, 'binding listed');
    assert.equal(mine.transport, 'WS');
    assert.equal(mine.userAgent, 'sipjs-test');
  });

  it('places a call to a sipp phone on UDP, which answers; sip.js hangs up', async () => {
    const uasPort = await freePort();
    const reg = await runSipp(
      [
        `127.0.0.1:${pbx.sipPort}`,
        '-sf',
        scenario('register.xml'),
        '-inf',
        usersCsv([{ user: '3002', password: 'ws-secret-3002' }]),
        '-i',
        '127.0.0.1',
        '-p',
        String(uasPort),
        '-m',
        '1',
      ],
      10,
    );
    assert.equal(reg.code, 0, reg.stderr);
    const uas = startSipp(uasArgs(scenario('uas-answer.xml'), uasPort), 30);
    await new Promise((r) => setTimeout(r, 300));
    const inviter = new Inviter(ua, UserAgent.makeURI('sip:3002@127.0.0.1')!);
    const established = waitFor<void>('call established', 10_000, (done) =>
      inviter.stateChange.addListener((s) => {
        if (s === SessionState.Established) done();
      }),
    );
    await inviter.invite();
    await established;
    const terminated = waitFor<void>('call ended', 10_000, (done) =>
      inviter.stateChange.addListener((s) => {
        if (s === SessionState.Terminated) done();
      }),
    );
    await inviter.bye();
    await terminated;
    const r = await uas.done;
    assert.equal(r.code, 0, `sipp callee failed:\n${r.stderr}`);
  });
});
