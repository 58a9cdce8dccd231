// Interop with sipp (Debian's sip-tester): registration with digest auth, and calls between two sipp
// instances through OfficePBX — answered, busy, cancelled, unknown extension, nobody registered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { voicemailOff } from '../support/voicemail.js';
import { freePort } from '../support/ports.js';
import {
  registerArgs,
  runSipp,
  scenario,
  scenarioWith,
  startSipp,
  uacArgs,
  uasArgs,
  usersCsv,
} from '../support/sipp.js';

// Callers and callees of the call tests; the bulk registration test uses its own users so that no stale
// binding of a finished sipp run forks a later call to a dead port.
const users = Array.from({ length: 20 }, (_, i) => ({
  user: String(2001 + i),
  password: `pw-secret-${2001 + i}`,
}));
const bulk = Array.from({ length: 20 }, (_, i) => ({
  user: String(2101 + i),
  password: `pw-bulk-${2101 + i}`,
}));

describe('sipp against OfficePBX', () => {
  let pbx: RunningEngine;
  let target: string;

  before(async () => {
    // No keep-alives: a sipp callee run with -m 1 counts an auto-answered OPTIONS as its one call.
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    target = `127.0.0.1:${pbx.sipPort}`;
    for (const u of [...users, ...bulk]) {
      const r = await pbx.api('POST', '/api/users', {
        extension: u.user,
        name: `User ${u.user}`,
        secret: u.password,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // These tests are about failures reaching the caller, not about voicemail taking over.
    await voicemailOff(pbx, ...users.map((u) => u.user));
  });

  after(async () => {
    const code = await pbx.stop();
    assert.equal(code, 0, 'clean shutdown exits 0');
  });

  async function registerAt(
    user: { user: string; password: string },
    port: number,
    transport = 'u1',
  ): Promise<void> {
    const r = await runSipp(registerArgs(target, user, port, '-t', transport), 20);
    assert.equal(r.code, 0, `register ${user.user} failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  }

  it('registers 200 times with digest auth across 20 users, all succeed', async () => {
    const port = await freePort();
    const r = await runSipp(
      [
        target,
        '-sf',
        scenario('register.xml'),
        '-inf',
        usersCsv(bulk),
        '-i',
        '127.0.0.1',
        '-p',
        String(port),
        '-m',
        '200',
        '-r',
        '100',
        '-l',
        '50',
      ],
      60,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
    const regs = await pbx.api<Array<{ extension: string; transport: string; userAgent: string }>>(
      'GET',
      '/api/registrations',
    );
    assert.equal(regs.status, 200);
    const exts = new Set(regs.body.map((b) => b.extension));
    for (const u of bulk) assert.ok(exts.has(u.user), `${u.user} is registered`);
    assert.ok(regs.body.every((b) => b.userAgent === 'sipp-test' && b.transport === 'UDP'));
  });

  it('rejects a REGISTER with the wrong password (sipp sees 401 again, not 200)', async () => {
    const port = await freePort();
    const r = await runSipp(
      [
        target,
        '-sf',
        scenario('register.xml'),
        '-inf',
        usersCsv([{ user: '2001', password: 'wrong-password' }]),
        '-i',
        '127.0.0.1',
        '-p',
        String(port),
        '-m',
        '1',
      ],
      10,
    );
    assert.notEqual(r.code, 0, 'a wrong password must not register');
  });

  it('connects a call between two registered sipp instances: INVITE/100/180/200/ACK/BYE', async () => {
    const uasPort = await freePort();
    await registerAt(users[1]!, uasPort);
    const uas = startSipp(uasArgs(scenario('uas-answer.xml'), uasPort), 30);
    await new Promise((r) => setTimeout(r, 300));
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), users[0]!, uacPort, users[1]!.user, '-d', '300'),
      30,
    );
    const uasResult = await uas.done;
    assert.equal(uac.code, 0, `caller failed:\n${uac.stderr}`);
    assert.equal(uasResult.code, 0, `callee failed:\n${uasResult.stderr}`);
  });

  it('passes 486 Busy Here from the callee back to the caller', async () => {
    const uasPort = await freePort();
    await registerAt(users[2]!, uasPort);
    const uas = startSipp(uasArgs(scenario('uas-busy.xml'), uasPort), 20);
    await new Promise((r) => setTimeout(r, 300));
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '486' }),
        users[0]!,
        uacPort,
        users[2]!.user,
      ),
      20,
    );
    const uasResult = await uas.done;
    assert.equal(uac.code, 0, `caller did not get 486:\n${uac.stderr}`);
    assert.equal(uasResult.code, 0, `callee failed:\n${uasResult.stderr}`);
  });

  it('CANCEL before answer reaches the ringing phone and the caller gets 487', async () => {
    const uasPort = await freePort();
    await registerAt(users[3]!, uasPort);
    const uas = startSipp(uasArgs(scenario('uas-ring.xml'), uasPort), 20);
    await new Promise((r) => setTimeout(r, 300));
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-cancel.xml'), users[0]!, uacPort, users[3]!.user),
      20,
    );
    const uasResult = await uas.done;
    assert.equal(uac.code, 0, `caller failed:\n${uac.stderr}`);
    assert.equal(uasResult.code, 0, `callee failed:\n${uasResult.stderr}`);
  });

  it('answers 404 for an extension that does not exist', async () => {
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '404' }),
        users[0]!,
        uacPort,
        '7999',
      ),
      20,
    );
    assert.equal(uac.code, 0, uac.stderr);
  });

  it('answers 480 for an extension with no phone registered', async () => {
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '480' }),
        users[0]!,
        uacPort,
        users[19]!.user,
      ),
      20,
    );
    assert.equal(uac.code, 0, uac.stderr);
  });

  it("connects a caller on TCP to a callee on UDP (responses reuse the caller's connection)", async () => {
    const uasPort = await freePort();
    await registerAt(users[4]!, uasPort);
    const uas = startSipp(uasArgs(scenario('uas-answer.xml'), uasPort), 30);
    await new Promise((r) => setTimeout(r, 300));
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), users[5]!, uacPort, users[4]!.user, '-d', '200', '-t', 't1'),
      30,
    );
    const uasResult = await uas.done;
    assert.equal(uac.code, 0, `TCP caller failed:\n${uac.stderr}`);
    assert.equal(uasResult.code, 0, `UDP callee failed:\n${uasResult.stderr}`);
  });

  it('connects a caller on UDP to a callee registered over TCP (a new connection to its contact)', async () => {
    const uasPort = await freePort();
    await registerAt(users[6]!, uasPort, 't1');
    const regs = await pbx.api<Array<{ extension: string; transport: string }>>('GET', '/api/registrations');
    assert.equal(regs.body.find((r) => r.extension === users[6]!.user)?.transport, 'TCP');
    const uas = startSipp(uasArgs(scenario('uas-answer.xml'), uasPort, '-t', 't1'), 30);
    await new Promise((r) => setTimeout(r, 300));
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), users[7]!, uacPort, users[6]!.user, '-d', '200'),
      30,
    );
    const uasResult = await uas.done;
    assert.equal(uac.code, 0, `UDP caller failed:\n${uac.stderr}`);
    assert.equal(uasResult.code, 0, `TCP callee failed:\n${uasResult.stderr}`);
  });

  it('forks to every phone of an extension; the first to answer wins and the other is cancelled', async () => {
    const ringPort = await freePort();
    const answerPort = await freePort();
    await registerAt(users[8]!, ringPort);
    await registerAt(users[8]!, answerPort);
    const ringing = startSipp(uasArgs(scenario('uas-ring.xml'), ringPort), 30);
    const answering = startSipp(uasArgs(scenario('uas-answer.xml'), answerPort), 30);
    await new Promise((r) => setTimeout(r, 300));
    const uacPort = await freePort();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), users[0]!, uacPort, users[8]!.user, '-d', '200'),
      30,
    );
    const [r1, r2] = await Promise.all([ringing.done, answering.done]);
    assert.equal(uac.code, 0, `caller failed:\n${uac.stderr}`);
    assert.equal(r2.code, 0, `answering phone failed:\n${r2.stderr}`);
    assert.equal(r1.code, 0, `the other phone was not cancelled properly:\n${r1.stderr}`);
  });
});
