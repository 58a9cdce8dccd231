// Calls reach voicemail through the proxy, in the running service, with real phones: a baresip caller
// sending a 1 kHz tone calls extension 201, whose sipp phone rings and never answers; after 201's ring
// time the proxy cancels the phone and the voicemail application answers and records the caller's tone
// (checked by FFT in the stored WAV); the call record says VOICEMAIL. Busy and unregistered extensions
// go to voicemail too, each switchable per user through /api/voicemail/:extension/settings, whose errors
// name the field. `*201` leaves a message without ringing; deleting a user deletes the mailbox.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseWav } from '../../engine/media/audio/wav-file.js';
import { dominantFrequency } from '../support/audio-analysis.js';
import { makeBaresipProfile, runBaresip } from '../support/baresip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import {
  registerArgs,
  runSipp,
  scenario,
  scenarioWith,
  startSipp,
  uacArgs,
  uasArgs,
  type SippUser,
} from '../support/sipp.js';

interface MessageView {
  id: number;
  caller: string;
  seconds: number;
}

interface CdrView {
  callId: string;
  caller: string;
  callee: string;
  disposition: string;
  start: string;
}

const CALLER: SippUser = { user: '5101', password: 'caller-secret-1' };
const RING: SippUser = { user: '201', password: 'ring-secret-201' };
const BUSY: SippUser = { user: '202', password: 'busy-secret-202' };
const AWAY: SippUser = { user: '203', password: 'away-secret-203' };

describe('calls to voicemail through the proxy', () => {
  let pbx: RunningEngine;
  let target: string;
  const dataDir = tempDir('voicemail-routing');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);

  before(async () => {
    pbx = await startEngine({
      dataDir,
      args: ['--qualify-interval', '0', '--apps-rtp-ports', `${base}-${base + 19}`],
    });
    target = `127.0.0.1:${pbx.sipPort}`;
    for (const u of [CALLER, RING, BUSY, AWAY]) {
      const r = await pbx.api('POST', '/api/users', {
        extension: u.user,
        name: `User ${u.user}`,
        secret: u.password,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });

  after(async () => {
    await pbx?.stop();
  });

  async function register(user: SippUser, port: number): Promise<void> {
    const r = await runSipp(registerArgs(target, user, port), 15);
    assert.equal(r.code, 0, `register ${user.user} failed:\n${r.stderr}`);
  }

  async function messages(ext: string): Promise<MessageView[]> {
    const r = await pbx.api<MessageView[]>('GET', `/api/voicemail/${ext}`);
    assert.equal(r.status, 200);
    return r.body;
  }

  /** The newest record of a call to `callee` (records are written once the call's media is released). */
  async function lastCall(callee: string, since: number): Promise<CdrView> {
    for (let i = 0; i < 40; i++) {
      const r = await pbx.api<{ records: CdrView[] }>('GET', '/api/cdr?limit=20');
      const rec = r.body.records.find((c) => c.callee === callee && Date.parse(c.start) >= since - 1000);
      if (rec) return rec;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`no call record for a call to ${callee}`);
  }

  it('has defaults: 20 s of ringing, then voicemail on no answer, busy and unavailable', async () => {
    const r = await pbx.api('GET', '/api/voicemail/201/settings');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      extension: '201',
      ringSeconds: 20,
      onNoAnswer: true,
      onBusy: true,
      onUnavailable: true,
    });
  });

  it('answers bad settings with the field named', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['/api/voicemail/201/settings', { ringSeconds: 2 }, 400, 'ringSeconds'],
      ['/api/voicemail/201/settings', { ringSeconds: 20.5 }, 400, 'ringSeconds'],
      ['/api/voicemail/201/settings', { ringSeconds: '20' }, 400, 'ringSeconds'],
      ['/api/voicemail/201/settings', { onBusy: 'yes' }, 400, 'onBusy'],
      ['/api/voicemail/201/settings', { ringTime: 20 }, 400, 'ringTime'],
      ['/api/voicemail/201/settings', { extension: '202' }, 400, 'extension'],
      ['/api/voicemail/999/settings', { onBusy: false }, 404, 'extension'],
    ];
    for (const [url, body, status, field] of cases) {
      const r = await pbx.api<{ error: string; field?: string }>('PUT', url, body);
      assert.equal(r.status, status, `${url} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.field, field, JSON.stringify(r.body));
      assert.ok(r.body.error.length > 10, r.body.error);
    }
    // Nothing was changed by the refused requests.
    assert.equal(
      (await pbx.api<{ ringSeconds: number }>('GET', '/api/voicemail/201/settings')).body.ringSeconds,
      20,
    );
  });

  it(
    'no answer: the phone rings for the ring time, is cancelled, and the caller leaves a message (tone in the WAV)',
    { timeout: 90_000 },
    async () => {
      const set = await pbx.api('PUT', '/api/voicemail/201/settings', { ringSeconds: 5 });
      assert.equal(set.status, 200);
      const phonePort = await freePort();
      await register(RING, phonePort);
      // sipp rings (180) and expects the proxy's CANCEL: its run fails if the CANCEL never comes.
      const phone = startSipp(uasArgs(scenario('uas-ring.xml'), phonePort), 40);
      await new Promise((r) => setTimeout(r, 300));

      const since = Date.now();
      const profile = await makeBaresipProfile(CALLER.user, CALLER.password, target, 1000);
      const started = Date.now();
      const caller = runBaresip(profile, 22, ['/dial 201']);
      const ph = await phone.done;
      const rang = (Date.now() - started) / 1000;
      assert.equal(ph.code, 0, `the ringing phone was not cancelled:\n${ph.stderr}`);
      assert.ok(rang >= 4.5 && rang < 12, `the phone rang ${rang.toFixed(1)} s (ring time 5 s)`);
      await caller.exited;
      assert.match(caller.output(), /Call with sip:201@.* terminated/, caller.output().slice(-2000));

      // The message is finished once the hang-up has reached the voicemail application: poll briefly.
      let list = await messages('201');
      for (let i = 0; i < 50 && list.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        list = await messages('201');
      }
      assert.equal(list.length, 1, `${JSON.stringify(list)}\n${caller.output().slice(-1500)}`);
      const m = list[0]!;
      assert.equal(m.caller, CALLER.user);
      assert.ok(m.seconds >= 2, `${m.seconds} s recorded`);
      const wav = parseWav(fs.readFileSync(path.join(dataDir, 'voicemail', '201', `${m.id}.wav`)));
      const mid = Math.floor(wav.samples.length / 2);
      const f = dominantFrequency(wav.samples.subarray(mid - 4000, mid + 4000), wav.sampleRate);
      assert.ok(Math.abs(f - 1000) <= 20, `the message holds the caller's 1 kHz tone, found ${f} Hz`);

      const cdr = await lastCall('201', since);
      assert.equal(cdr.disposition, 'VOICEMAIL', JSON.stringify(cdr));
      assert.equal(cdr.caller, CALLER.user);
    },
  );

  it('busy: a phone answering 486 sends the caller to voicemail; with onBusy off the caller gets 486', async () => {
    const since = Date.now();
    const phonePort = await freePort();
    await register(BUSY, phonePort);
    const phone = startSipp(uasArgs(scenario('uas-busy.xml'), phonePort), 20);
    await new Promise((r) => setTimeout(r, 300));
    // sipp's caller gets 200 (from voicemail), ACKs, stays 2 s and hangs up.
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), CALLER, await freePort(), BUSY.user, '-d', '2000'),
      30,
    );
    assert.equal(uac.code, 0, `the caller was not answered by voicemail:\n${uac.stderr}`);
    assert.equal((await phone.done).code, 0);
    const cdr = await lastCall(BUSY.user, since);
    assert.equal(cdr.disposition, 'VOICEMAIL');

    assert.equal((await pbx.api('PUT', '/api/voicemail/202/settings', { onBusy: false })).status, 200);
    const since2 = Date.now();
    const phone2 = startSipp(uasArgs(scenario('uas-busy.xml'), phonePort), 20);
    await new Promise((r) => setTimeout(r, 300));
    const uac2 = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '486' }),
        CALLER,
        await freePort(),
        BUSY.user,
      ),
      20,
    );
    assert.equal(uac2.code, 0, `with onBusy off the caller should get 486:\n${uac2.stderr}`);
    assert.equal((await phone2.done).code, 0);
    assert.equal((await lastCall(BUSY.user, since2)).disposition, 'BUSY');
  });

  it('unavailable: no phone registered goes straight to voicemail; with onUnavailable off, 480', async () => {
    const since = Date.now();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), CALLER, await freePort(), AWAY.user, '-d', '1000'),
      20,
    );
    assert.equal(uac.code, 0, `voicemail did not answer for an unregistered extension:\n${uac.stderr}`);
    assert.equal((await lastCall(AWAY.user, since)).disposition, 'VOICEMAIL');

    assert.equal((await pbx.api('PUT', '/api/voicemail/203/settings', { onUnavailable: false })).status, 200);
    const uac2 = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '480' }),
        CALLER,
        await freePort(),
        AWAY.user,
      ),
      20,
    );
    assert.equal(uac2.code, 0, `with onUnavailable off the caller should get 480:\n${uac2.stderr}`);
  });

  it('*203 leaves a message without ringing, even with every diversion off', async () => {
    const since = Date.now();
    const uac = await runSipp(
      uacArgs(target, scenario('uac-call.xml'), CALLER, await freePort(), '*203', '-d', '1000'),
      20,
    );
    assert.equal(uac.code, 0, `*203 was not answered by voicemail:\n${uac.stderr}`);
    const cdr = await lastCall('*203', since);
    assert.equal(cdr.disposition, 'VOICEMAIL');
    // A code for a box that does not exist is simply not found.
    const uac2 = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '404' }),
        CALLER,
        await freePort(),
        '*299',
      ),
      20,
    );
    assert.equal(uac2.code, 0, uac2.stderr);
  });

  it('deleting a user deletes their mailbox and settings; the extension starts afresh', async () => {
    assert.equal((await messages('201')).length, 1);
    assert.ok(fs.existsSync(path.join(dataDir, 'voicemail', '201')));
    assert.equal((await pbx.api('DELETE', '/api/users/201')).status, 204);
    assert.ok(!fs.existsSync(path.join(dataDir, 'voicemail', '201')), 'the mailbox folder is gone');
    assert.equal((await pbx.api('GET', '/api/voicemail/201')).status, 404);
    const again = await pbx.api('POST', '/api/users', {
      extension: '201',
      name: 'New 201',
      secret: RING.password,
    });
    assert.equal(again.status, 201);
    assert.deepEqual(await messages('201'), []);
    const s = await pbx.api<{ ringSeconds: number }>('GET', '/api/voicemail/201/settings');
    assert.equal(s.body.ringSeconds, 20, 'the old ring time went with the old user');
  });
});
