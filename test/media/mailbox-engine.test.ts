// The mailbox menu by phone in the running service (`node dist/engine/cli.js`), driven with RFC 4733 keys
// over real SIP and RTP through the proxy and the media relay, as a desk phone would: two messages are
// left with *201 (700 Hz, then 1300 Hz); the owner dials *97, logs in after two wrong PINs, hears message
// 1's tone, saves it (the API shows it heard), skips to message 2 and deletes it (row and file gone),
// records a greeting (500 Hz) that the API then serves and that the next voicemail caller hears. Wrong
// PINs (*98 asks for the box, then the PIN; an unknown box counts as a wrong PIN): three in a call end it
// with a BYE, and repeated failures across calls lock the mailbox even against the right PIN. The
// greeting API takes a WAV upload (converted to 8 kHz), refuses bad ones naming the field, and DELETE
// restores the default.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeG711 } from '../../engine/media/audio/g711.js';
import { parseWav } from '../../engine/media/audio/wav-file.js';
import { dominantFrequency, rms, tonePower } from '../support/audio-analysis.js';
import { baresipCommand, makeBaresipProfile, receivedRecordings, runBaresip } from '../support/baresip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { RtpAudioPeer, soxTone } from '../support/rtp-audio-peer.js';
import { pcmuSdp, sdpAudio, sleep, SipPhone, type OutgoingCall } from '../support/sip-phone.js';

const secretOf = (user: string): string => `Secret-${user}x`;

interface MessageView {
  id: number;
  caller: string;
  heard: boolean;
}

interface ErrorBody {
  error: string;
  field?: string;
}

/** The audio the peer received from packet `from` on, decoded (PCMU), in arrival order. */
function receivedPcm(peer: RtpAudioPeer, from: number): Int16Array {
  const payloads = peer.received.slice(from).filter((p) => p.payloadType === 0);
  const bytes = Buffer.concat(payloads.map((p) => p.payload));
  return decodeG711('ulaw', bytes);
}

/**
 * Whether a steady `freq` Hz tone is in what the peer received from packet `from` on: some 200 ms window
 * where that frequency holds most of the power (speech never does; a sine holds about half by this measure).
 */
function heardTone(peer: RtpAudioPeer, from: number, freq: number): boolean {
  return toneIn(receivedPcm(peer, from), 8000, freq);
}

function toneIn(pcm: Int16Array, rate: number, freq: number): boolean {
  const n = Math.round(rate / 5);
  for (let at = 0; at + n <= pcm.length; at += n / 2) {
    const w = pcm.subarray(at, at + n);
    const level = rms(w);
    if (level > 1000 && tonePower(w, rate, freq, n) / (level * level) > 0.3) return true;
  }
  return false;
}

async function waitForTone(peer: RtpAudioPeer, from: number, freq: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (heardTone(peer, from, freq)) return true;
    await sleep(100);
  }
  return false;
}

/** Waits until the endpoint has sent nothing for `quietMs` (it sends no packets while it records). */
async function waitForQuiet(peer: RtpAudioPeer, quietMs: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const last = peer.received.at(-1)?.at ?? 0;
    if (performance.now() - last >= quietMs) return true;
    await sleep(50);
  }
  return false;
}

/** A caller: a SIP phone, its RTP peer, and the call. */
class Caller {
  private constructor(
    readonly phone: SipPhone,
    readonly peer: RtpAudioPeer,
    readonly call: OutgoingCall,
    readonly mediaPort: number,
  ) {}

  /** Calls `target` through the proxy as `user` (answering its digest challenge), like a desk phone. */
  static async dial(pbxPort: number, target: string, user: string): Promise<Caller> {
    const phone = await SipPhone.open({ pbxPort, user, password: secretOf(user) });
    const peer = await RtpAudioPeer.open();
    try {
      const call = await phone.call(target, pcmuSdp({ port: peer.port }));
      const ok = await call.final(5000);
      assert.equal(ok.status, 200, `${target} answers`);
      return new Caller(phone, peer, call, sdpAudio(ok.body).port);
    } catch (err) {
      peer.close();
      phone.close();
      throw err;
    }
  }

  /** Keys one after another, as a person types them. */
  async press(keys: string): Promise<void> {
    for (const k of keys) {
      await this.peer.sendDigit(this.mediaPort, k);
      await sleep(60);
    }
  }

  /** The endpoint's BYE within `ms`, answered; false if none came. */
  async byeWithin(ms: number): Promise<boolean> {
    try {
      const bye = await this.phone.inDialogRequest('BYE', this.call.callId, ms);
      this.phone.respond(bye, 200, 'OK');
      return true;
    } catch {
      return false;
    }
  }

  async hangUp(): Promise<void> {
    if (this.call.dialog) await this.phone.bye(this.call.dialog).catch(() => undefined);
  }

  close(): void {
    this.peer.close();
    this.phone.close();
  }
}

describe('the mailbox menu by phone in the running service', () => {
  let engine: RunningEngine;
  const dataDir = tempDir('mailbox-engine');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);

  before(async () => {
    engine = await startEngine({
      dataDir,
      args: ['--qualify-interval', '0', '--apps-rtp-ports', `${base}-${base + 19}`],
    });
    const users: Array<[string, string]> = [
      ['201', '1234'],
      ['202', '5678'],
      ['203', '4321'],
      ['5101', '9090'],
      ['5102', '9091'],
      ['204', '2468'],
    ];
    for (const [extension, voicemailPin] of users) {
      const r = await engine.api('POST', '/api/users', {
        extension,
        name: `User ${extension}`,
        secret: secretOf(extension),
        voicemailPin,
      });
      assert.equal(r.status, 201);
    }
  });

  after(async () => {
    await engine?.stop();
  });

  /** Leaves a message in 201 from 5101 (*201): skips the greeting, sends `seconds` of `freq` Hz after the beep. */
  async function leaveMessage(freq: number, seconds: number, mailbox = '201'): Promise<void> {
    const c = await Caller.dial(engine.sipPort, `*${mailbox}`, '5101');
    try {
      assert.ok(await c.peer.until((r) => r.length >= 10, 2000), 'the greeting plays');
      await c.press('#');
      assert.ok(await waitForQuiet(c.peer, 200, 5000), 'the beep ends and recording starts');
      await c.peer.sendAudio(c.mediaPort, soxTone(freq, seconds));
      await c.press('#');
      assert.ok(await c.byeWithin(8000), 'the voicemail says goodbye');
    } finally {
      c.close();
    }
  }

  const list = async (ext = '201'): Promise<MessageView[]> =>
    (await engine.api<MessageView[]>('GET', `/api/voicemail/${ext}`)).body;

  async function until(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await pred()) return true;
      await sleep(100);
    }
    return false;
  }

  it('logs in after wrong PINs, plays, saves, skips, deletes, records a greeting that callers then hear', async () => {
    await leaveMessage(700, 3);
    await leaveMessage(1300, 3);
    const [m2, m1] = await list(); // newest first
    assert.ok(m1 && m2 && m1.id < m2.id);
    assert.equal(m1.heard || m2.heard, false);

    const c = await Caller.dial(engine.sipPort, '*97', '201');
    try {
      await c.press('1111#');
      await sleep(300);
      await c.press('9999#');
      await sleep(300);
      await c.press('1234#');
      assert.equal(await c.byeWithin(1500), false, 'two wrong PINs and the right one: still in the call');

      // 1: the messages, oldest new one first — its envelope, then its tone.
      let mark = c.peer.received.length;
      await c.press('1');
      assert.ok(await waitForTone(c.peer, mark, 700, 15000), 'message 1 (700 Hz) plays');
      assert.equal(heardTone(c.peer, mark, 1300), false, 'message 2 has not played yet');
      assert.equal((await list()).find((m) => m.id === m1.id)?.heard, false, 'not heard to its end yet');
      // 2 while it plays (barge-in): saved.
      await c.press('2');
      assert.ok(
        await until(async () => (await list()).find((m) => m.id === m1.id)?.heard === true, 3000),
        'the API shows message 1 heard',
      );
      // 9: the next message.
      mark = c.peer.received.length;
      await c.press('9');
      assert.ok(await waitForTone(c.peer, mark, 1300, 15000), 'message 2 (1300 Hz) plays');
      // 7 deletes it: the row and the file.
      const file2 = path.join(dataDir, 'voicemail', '201', `${m2.id}.wav`);
      assert.ok(fs.existsSync(file2));
      await c.press('7');
      assert.ok(
        await until(async () => !(await list()).some((m) => m.id === m2.id), 3000),
        'message 2 is no longer listed',
      );
      assert.ok(!fs.existsSync(file2), 'its file is gone');
      assert.deepEqual(
        (await list()).map((m) => [m.id, m.heard]),
        [[m1.id, true]],
      );

      // 3: greeting options — the instructions, a beep, then recording until #.
      mark = c.peer.received.length;
      await c.press('3');
      assert.ok(await waitForTone(c.peer, mark, 1000, 15000), 'the beep');
      assert.ok(await waitForQuiet(c.peer, 200, 5000), 'recording starts after the beep');
      await c.peer.sendAudio(c.mediaPort, soxTone(500, 2));
      mark = c.peer.received.length;
      await c.press('#');
      assert.ok(await waitForTone(c.peer, mark, 500, 8000), 'the greeting is played back');
      await c.press('1'); // keep it
      assert.ok(
        await until(async () => fs.existsSync(path.join(dataDir, 'voicemail', '201', 'greeting.wav')), 5000),
        'the greeting is where callers hear it',
      );
      await c.press('#');
      assert.ok(await c.byeWithin(8000), '# in the main menu says goodbye and hangs up');
    } finally {
      c.close();
    }
    const left = fs.readdirSync(path.join(dataDir, 'voicemail', '201')).sort();
    assert.deepEqual(left, [`${m1.id}.wav`, 'greeting.wav'], 'no scratch files are left behind');

    // The API serves the greeting: the tone that was recorded.
    const auth = 'Basic ' + Buffer.from(`admin:${engine.password}`).toString('base64');
    const res = await fetch(`${engine.baseUrl}/api/voicemail/201/greeting`, {
      headers: { authorization: auth },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    const wav = parseWav(Buffer.from(await res.arrayBuffer()));
    assert.equal(wav.sampleRate, 8000);
    const seconds = wav.samples.length / 8000;
    assert.ok(seconds >= 1.7 && seconds <= 3, `${seconds} s`);
    assert.equal(dominantFrequency(wav.samples.subarray(2000, 10000), 8000), 500);

    // A caller leaving a message hears that greeting.
    const v = await Caller.dial(engine.sipPort, '*201', '5102');
    try {
      assert.ok(await waitForTone(v.peer, 0, 500, 8000), 'the voicemail caller hears the new greeting');
      await v.hangUp();
    } finally {
      v.close();
    }
  });

  it('hangs up after three wrong entries (an unknown mailbox counts as one), then locks the mailbox', async () => {
    // *98 style: mailbox number, then PIN — twice wrong for 202, once for a mailbox that does not exist.
    const a = await Caller.dial(engine.sipPort, '*98', '5101');
    try {
      await c98(a, '202', '0000');
      await c98(a, '999', '5678');
      await c98(a, '202', '1111');
      assert.ok(await a.byeWithin(10000), 'three wrong entries: goodbye');
    } finally {
      a.close();
    }
    // Own box: three more wrong PINs make five for 202 within ten minutes: locked.
    const b = await Caller.dial(engine.sipPort, '*97', '202');
    try {
      await b.press('0000#');
      await sleep(300);
      await b.press('0001#');
      await sleep(300);
      await b.press('0002#');
      assert.ok(await b.byeWithin(15000), 'locked: goodbye');
    } finally {
      b.close();
    }
    // The right PIN no longer opens it: the call ends without asking (an open mailbox would wait for keys).
    const started = Date.now();
    const c = await Caller.dial(engine.sipPort, '*97', '202');
    try {
      await c.press('5678#');
      assert.ok(await c.byeWithin(12000), 'a locked mailbox refuses the right PIN');
      assert.ok(Date.now() - started < 12000);
    } finally {
      c.close();
    }
    assert.match(engine.logs(), /mailbox locked after repeated wrong PINs/);
    // Other mailboxes are not affected: 203 opens with its PIN and stays in the menu.
    const d = await Caller.dial(engine.sipPort, '*97', '203');
    try {
      await d.press('4321#');
      assert.equal(await d.byeWithin(4000), false, 'mailbox 203 opens');
      await d.press('#');
      assert.ok(await d.byeWithin(8000), '# says goodbye');
    } finally {
      d.close();
    }
  });

  async function c98(c: Caller, box: string, pin: string): Promise<void> {
    await c.press(`${box}#`);
    await sleep(200);
    await c.press(`${pin}#`);
    await sleep(300);
  }

  it('takes a greeting over the API (any WAV, converted to 8 kHz), refuses bad ones, and deletes it', async () => {
    const auth = 'Basic ' + Buffer.from(`admin:${engine.password}`).toString('base64');
    const put = (body: Buffer): Promise<Response> =>
      fetch(`${engine.baseUrl}/api/voicemail/203/greeting`, {
        method: 'PUT',
        headers: { authorization: auth, 'content-type': 'audio/wav' },
        body,
      });
    const dir = tempDir('mailbox-greeting');
    const make = (name: string, fmt: string[], seconds: number): Buffer => {
      const f = path.join(dir, name);
      execFileSync('sox', ['-n', ...fmt, f, 'synth', String(seconds), 'sine', '600', 'vol', '0.5']);
      return fs.readFileSync(f);
    };

    assert.equal((await engine.api<ErrorBody>('GET', '/api/voicemail/203/greeting')).status, 404);
    // 16 kHz stereo 16-bit: stored as 8 kHz mono.
    const ok = await put(make('stereo16k.wav', ['-r', '16000', '-c', '2', '-b', '16'], 2));
    assert.equal(ok.status, 200, await ok.clone().text());
    const got = await fetch(`${engine.baseUrl}/api/voicemail/203/greeting`, {
      headers: { authorization: auth },
    });
    assert.equal(got.status, 200);
    const wav = parseWav(Buffer.from(await got.arrayBuffer()));
    assert.equal(wav.sampleRate, 8000);
    assert.ok(Math.abs(wav.samples.length / 8000 - 2) < 0.05);
    assert.equal(dominantFrequency(wav.samples.subarray(0, 8000), 8000), 600);
    // µ-law at 8 kHz is taken as well.
    assert.equal((await put(make('ulaw.wav', ['-r', '8000', '-c', '1', '-e', 'u-law'], 1))).status, 200);

    const bad: Array<[string, Buffer, number]> = [
      ['empty', Buffer.alloc(0), 400],
      ['not a WAV', Buffer.from('hello, this is not audio at all'), 400],
      ['too short', make('short.wav', ['-r', '8000', '-c', '1', '-b', '16'], 0.2), 400],
      ['too long', make('long.wav', ['-r', '8000', '-c', '1', '-e', 'u-law'], 301), 400],
      ['ADPCM', make('adpcm.wav', ['-r', '8000', '-c', '1', '-e', 'ms-adpcm'], 1), 400],
    ];
    for (const [what, body, status] of bad) {
      const r = await put(body);
      assert.equal(r.status, status, what);
      const b = (await r.json()) as ErrorBody;
      assert.equal(b.field, 'greeting', what);
      assert.ok(b.error.length > 0, what);
    }
    const big = await put(Buffer.alloc(33 * 1024 * 1024));
    assert.equal(big.status, 413, 'a body past 32 MiB');

    const none = await engine.api<ErrorBody>('PUT', '/api/voicemail/999/greeting', {});
    assert.equal(none.status, 404);
    assert.equal(none.body.field, 'extension');

    assert.equal((await engine.api('DELETE', '/api/voicemail/203/greeting')).status, 204);
    const gone = await engine.api<ErrorBody>('GET', '/api/voicemail/203/greeting');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.field, 'greeting');
    assert.equal((await engine.api<ErrorBody>('DELETE', '/api/voicemail/203/greeting')).status, 404);
    assert.ok(!fs.existsSync(path.join(dataDir, 'voicemail', '203', 'greeting.wav')));
  });

  it('a real softphone (baresip) dials *97, types its PIN and 1 as RFC 4733, and hears the message', async () => {
    await leaveMessage(900, 3, '204');
    const profile = await makeBaresipProfile('204', secretOf('204'), `127.0.0.1:${engine.sipPort}`, 300);
    const run = runBaresip(profile, 40, ['/dial *97']);
    try {
      const end = Date.now() + 15000;
      while (!/established/i.test(run.output()) && Date.now() < end) await sleep(100);
      assert.match(run.output(), /established/i, "baresip's call to *97 is answered");
      await baresipCommand(profile, 'sndcode', '2468#');
      await sleep(1500);
      await baresipCommand(profile, 'sndcode', '1');
      // The envelope (about 5 s, longer for some dates and times) and the 3 s message: once played to its end
      // the message counts as heard (a fixed 12 s wait was too short once in a CI run). Then * (main menu)
      // and # (goodbye): the engine hangs up.
      const heard = await until(async () => (await list('204'))[0]?.heard === true, 25000);
      assert.ok(heard, `the message was played to its end and marked heard:\n${run.output()}`);
      await baresipCommand(profile, 'sndcode', '*');
      await sleep(500);
      await baresipCommand(profile, 'sndcode', '#');
      const closed = Date.now() + 10000;
      while (!/closed|terminated/i.test(run.output()) && Date.now() < closed) await sleep(100);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
    const [rec] = receivedRecordings(profile);
    assert.ok(rec, `baresip recorded what it heard:\n${run.output()}`);
    const wav = parseWav(fs.readFileSync(rec));
    assert.ok(toneIn(wav.samples, wav.sampleRate, 900), "the message's 900 Hz tone reached baresip");
    assert.ok(!toneIn(wav.samples, wav.sampleRate, 700), 'not some other message');
    const [m] = await list('204');
    assert.equal(m?.heard, true, 'played to its end: heard');
  });
});
