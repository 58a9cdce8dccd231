// Voicemail in the running service (`node dist/engine/cli.js`): a caller dials *201 through the proxy,
// which routes it to sip:voicemail+201@… on the media applications' port; it skips the greeting with #, says 3 s of a 1 kHz tone after the beep and presses
// #; the API lists the message, serves its WAV (the tone is in it), marks it heard and deletes it (row and
// file). A 1 s message is discarded; an unknown mailbox is refused with 404; a call to the applications port from anyone but
// the proxy gets 403; API errors name the field.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseWav } from '../../engine/media/audio/wav-file.js';
import { dominantFrequency } from '../support/audio-analysis.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { leaveVoicemail } from '../support/voicemail-caller.js';
import { freePort } from '../support/ports.js';
import { pcmuSdp, SipPhone } from '../support/sip-phone.js';

interface MessageView {
  id: number;
  extension: string;
  caller: string;
  callerName: string | null;
  created: string;
  seconds: number;
  heard: boolean;
}

interface ErrorBody {
  error: string;
  field?: string;
}

const CALLER_SECRET = 'caller-5101-secret';

describe('voicemail in the running service', () => {
  let engine: RunningEngine;
  let appsPort: number;
  const dataDir = tempDir('voicemail-engine');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);

  before(async () => {
    appsPort = await freePort();
    engine = await startEngine({
      dataDir,
      args: ['--apps-sip-port', String(appsPort), '--apps-rtp-ports', `${base}-${base + 19}`],
    });
    const r = await engine.api('POST', '/api/users', {
      extension: '201',
      name: 'Anna',
      secret: 'Secret-201x',
    });
    assert.equal(r.status, 201);
    const c = await engine.api('POST', '/api/users', {
      extension: '5101',
      name: 'Caller',
      secret: CALLER_SECRET,
    });
    assert.equal(c.status, 201);
  });

  after(async () => {
    await engine?.stop();
  });

  /** Dials *201 as 5101, skips the greeting, sends `seconds` of 1 kHz after the beep, then #. */
  const leaveMessage = (seconds: number): Promise<void> =>
    leaveVoicemail(engine.sipPort, { user: '5101', password: CALLER_SECRET }, '201', seconds);

  it('records a message: listed with its length, its WAV holds the tone, heard can be set, delete removes it', async () => {
    await leaveMessage(3);
    const list = await engine.api<MessageView[]>('GET', '/api/voicemail/201');
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    const m = list.body[0]!;
    assert.equal(m.extension, '201');
    assert.equal(m.caller, '5101');
    assert.equal(m.heard, false);
    assert.ok(m.seconds >= 2.8 && m.seconds <= 4, `${m.seconds} s`);
    assert.ok(Math.abs(Date.parse(m.created) - Date.now()) < 60_000);
    const file = path.join(dataDir, 'voicemail', '201', `${m.id}.wav`);
    assert.ok(fs.existsSync(file), 'the WAV is under <data dir>/voicemail/201/');

    const auth = 'Basic ' + Buffer.from(`admin:${engine.password}`).toString('base64');
    const res = await fetch(`${engine.baseUrl}/api/voicemail/201/${m.id}/audio`, {
      headers: { authorization: auth },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    const wav = parseWav(Buffer.from(await res.arrayBuffer()));
    assert.equal(wav.sampleRate, 8000);
    assert.ok(Math.abs(wav.samples.length / 8000 - m.seconds) < 0.2);
    // The middle of the message: the tone that was sent.
    assert.equal(dominantFrequency(wav.samples.subarray(8000, 16000), 8000), 1000);

    const heard = await engine.api<MessageView>('PUT', `/api/voicemail/201/${m.id}`, { heard: true });
    assert.equal(heard.status, 200);
    assert.equal(heard.body.heard, true);
    assert.equal((await engine.api<MessageView[]>('GET', '/api/voicemail/201')).body[0]!.heard, true);

    const del = await engine.api('DELETE', `/api/voicemail/201/${m.id}`);
    assert.equal(del.status, 204);
    assert.deepEqual((await engine.api<MessageView[]>('GET', '/api/voicemail/201')).body, []);
    assert.ok(!fs.existsSync(file), 'the file is gone');
  });

  it('discards a message shorter than the minimum (row and file)', async () => {
    await leaveMessage(1);
    assert.deepEqual((await engine.api<MessageView[]>('GET', '/api/voicemail/201')).body, []);
    const dir = path.join(dataDir, 'voicemail', '201');
    const left = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    assert.deepEqual(left, []);
  });

  it('refuses a mailbox that does not exist with 404', async () => {
    const phone = await SipPhone.open({ pbxPort: engine.sipPort, user: '5101', password: CALLER_SECRET });
    try {
      const call = await phone.call('*999', pcmuSdp({ port: 4000 }));
      assert.equal((await call.final()).status, 404);
    } finally {
      phone.close();
    }
  });

  it('takes calls only from the proxy: a phone calling the applications port directly gets 403', async () => {
    const phone = await SipPhone.open({ pbxPort: appsPort, user: '5101', password: 'unused' });
    try {
      const call = await phone.call('voicemail+201', pcmuSdp({ port: 4000 }));
      assert.equal((await call.final()).status, 403);
    } finally {
      phone.close();
    }
  });

  it('answers API errors with the field named', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['GET', '/api/voicemail/999', undefined, 404, 'extension'],
      ['GET', '/api/voicemail/999/1/audio', undefined, 404, 'extension'],
      ['GET', '/api/voicemail/201/12345/audio', undefined, 404, 'id'],
      ['GET', '/api/voicemail/201/abc/audio', undefined, 404, 'id'],
      ['DELETE', '/api/voicemail/201/12345', undefined, 404, 'id'],
      ['PUT', '/api/voicemail/201/12345', { heard: true }, 404, 'id'],
    ];
    for (const [method, url, body, status, field] of cases) {
      const r = await engine.api<ErrorBody>(method, url, body);
      assert.equal(r.status, status, `${method} ${url}`);
      assert.equal(r.body.field, field, `${method} ${url}`);
      assert.ok(r.body.error.length > 0);
    }
  });

  it('refuses a PUT without a boolean heard, naming the field', async () => {
    await leaveMessage(2.6);
    const [m] = (await engine.api<MessageView[]>('GET', '/api/voicemail/201')).body;
    assert.ok(m);
    const r = await engine.api<ErrorBody>('PUT', `/api/voicemail/201/${m.id}`, { heard: 'yes' });
    assert.equal(r.status, 400);
    assert.equal(r.body.field, 'heard');
  });
});
