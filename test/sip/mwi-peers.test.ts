// Message-waiting with real SIP software as the phone. sipp registers, subscribes to its mailbox for
// message-summary (digest challenges answered) and checks every NOTIFY body with regular expressions: "no"
// at once, "yes" 1/0 after a message is left, "no" 0/1 after it is marked heard over the API, terminated
// after it unsubscribes — over UDP, and over TCP where the NOTIFYs must use the phone's connection.
// baresip (Debian's baresip-core with its mwi module) subscribes by itself after registering and prints
// each message summary it is sent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBaresipProfile, runBaresip, type BaresipRun } from '../support/baresip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { sleep } from '../support/sip-phone.js';
import { scenario, startSipp, usersCsv, type SippResult } from '../support/sipp.js';
import { leaveVoicemail } from '../support/voicemail-caller.js';

interface MessageView {
  id: number;
  heard: boolean;
}

const USERS = { sipp: '204', sippTcp: '209', baresip: '208' };
const secret = (ext: string): string => `Secret-${ext}x`;
/** Leaves the messages (dialling *<extension> through the proxy). */
const CALLER = { user: '290', password: secret('290') };

/** Polls `check` every 100 ms until it holds or `ms` pass. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
}

describe('message-waiting with real phones', () => {
  let engine: RunningEngine;
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);

  before(async () => {
    engine = await startEngine({
      args: ['--apps-rtp-ports', `${base}-${base + 19}`, '--qualify-interval', '0'],
    });
    for (const ext of [...Object.values(USERS), CALLER.user]) {
      const r = await engine.api('POST', '/api/users', {
        extension: ext,
        name: `User ${ext}`,
        secret: secret(ext),
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });

  after(async () => {
    await engine?.stop();
  });

  async function markFirstHeard(ext: string): Promise<void> {
    const list = await engine.api<MessageView[]>('GET', `/api/voicemail/${ext}`);
    assert.equal(list.body.length, 1, JSON.stringify(list.body));
    const r = await engine.api('PUT', `/api/voicemail/${ext}/${list.body[0]!.id}`, { heard: true });
    assert.equal(r.status, 200);
  }

  const subscribed = (ext: string): boolean =>
    new RegExp(`message-waiting subscription started[^\\n]*"mailbox":"${ext}"`).test(engine.logs());

  /** sipp over `transport` (u1: UDP, t1: one TCP connection, which the NOTIFYs must come back on). */
  async function sippSubscription(ext: string, transport: 'u1' | 't1'): Promise<void> {
    const port = await freePort();
    const messages = path.join(tempDir('sipp-mwi'), 'messages.log');
    const run = startSipp(
      [
        `127.0.0.1:${engine.sipPort}`,
        '-sf',
        scenario('mwi-subscribe.xml'),
        '-inf',
        usersCsv([{ user: ext, password: secret(ext) }]),
        '-i',
        '127.0.0.1',
        '-p',
        String(port),
        '-m',
        '1',
        '-t',
        transport,
        '-trace_msg',
        '-message_file',
        messages,
      ],
      60,
    );
    let early: SippResult | undefined;
    void run.done.then((r) => (early = r));
    if (!(await until(() => subscribed(ext) || early !== undefined, 10_000)) || !subscribed(ext)) {
      run.child.kill('SIGTERM');
      const r = await run.done;
      assert.fail(`sipp did not subscribe:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    }
    await leaveVoicemail(engine.sipPort, CALLER, ext);
    await markFirstHeard(ext);
    const r = await run.done;
    assert.equal(r.code, 0, `sipp failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    // What sipp received, as it logged it: the four NOTIFYs in order.
    const log = fs.readFileSync(messages, 'utf8');
    const bodies = [
      ...log.matchAll(/NOTIFY sip:[^\n]*[\s\S]*?(Messages-Waiting: \w+)[\s\S]*?(Voice-Message: \S+)/g),
    ].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(bodies, [
      'Messages-Waiting: no Voice-Message: 0/0',
      'Messages-Waiting: yes Voice-Message: 1/0',
      'Messages-Waiting: no Voice-Message: 0/1',
      'Messages-Waiting: no Voice-Message: 0/1',
    ]);
  }

  it('sipp: NOTIFY no at once, yes 1/0 after a message, no 0/1 once heard, terminated after unsubscribing', () =>
    sippSubscription(USERS.sipp, 'u1'));

  it("sipp over TCP: the same, the NOTIFYs coming back on the phone's connection", async () => {
    await sippSubscription(USERS.sippTcp, 't1');
    assert.match(
      engine.logs(),
      new RegExp(
        `message-waiting subscription started[^\\n]*"mailbox":"${USERS.sippTcp}"[^\\n]*"transport":"TCP"`,
      ),
    );
  });

  /**
   * baresip with its mwi module, until its first message summary arrives. baresip 1.0's module has a start-up
   * race: a one-shot timer 1 ms after loading subscribes again for every subscription already in its list,
   * appending to the list it walks, so when the registration completes before that timer runs (seen on a busy
   * machine) it loops for ever printing "mwi: subscribing". That run is killed and baresip started afresh
   * (at most three times); any other failure fails the test.
   */
  async function startBaresipWithMwi(ext: string): Promise<BaresipRun> {
    let output = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const profile = await makeBaresipProfile(ext, secret(ext), `127.0.0.1:${engine.sipPort}`, 440);
      // The stock profile plus the mwi module and the account's mwi switch.
      fs.appendFileSync(path.join(profile.dir, 'config'), 'module_app\t\tmwi.so\n');
      const accounts = path.join(profile.dir, 'accounts');
      fs.writeFileSync(accounts, fs.readFileSync(accounts, 'utf8').replace(/\n$/, ';mwi=yes\n'));
      const phone = runBaresip(profile, 40);
      const runaway = (): boolean => (phone.output().match(/mwi: subscribing/g) ?? []).length > 3;
      await until(() => /Messages-Waiting/.test(phone.output()) || runaway(), 15_000);
      if (/Messages-Waiting/.test(phone.output()) && !runaway()) return phone;
      output = phone.output();
      phone.child.kill('SIGKILL');
      await phone.exited;
      if (!runaway()) break;
    }
    assert.fail(`baresip was sent no message summary:\n${output.slice(0, 4000)}`);
  }

  it('baresip (mwi module): subscribes after registering and is told of the waiting message, then of it heard', async () => {
    const ext = USERS.baresip;
    await leaveVoicemail(engine.sipPort, CALLER, ext);
    const phone = await startBaresipWithMwi(ext);
    try {
      assert.match(phone.output(), /Messages-Waiting: yes/, 'baresip heard of the message');
      assert.match(phone.output(), /MWI for sip:208@/);
      assert.match(phone.output(), /Voice-Message: 1\/0/);
      assert.ok(subscribed(ext), 'by its own subscription');
      await markFirstHeard(ext);
      assert.ok(
        await until(() => /Voice-Message: 0\/1/.test(phone.output()), 10_000),
        `baresip heard the lamp go out:\n${phone.output()}`,
      );
      assert.match(phone.output().slice(phone.output().lastIndexOf('MWI for')), /Messages-Waiting: no/);
    } finally {
      phone.child.kill('SIGTERM');
      await phone.exited;
    }
  });
});
