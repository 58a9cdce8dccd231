// The media applications' SIP endpoint against real peers over loopback: a scripted SIP phone (its own
// parser, real UDP) and a real RTP peer. Prompts arrive as paced PCMU/PCMA with correct headers; a 1 kHz tone
// sent by the peer (encoded by sox) is recorded to a WAV whose dominant frequency is 1 kHz; RFC 4733 digits
// and SIP INFO digits reach the script in order; BYE mid-recording leaves a valid WAV; CANCEL, hold/resume,
// late offers, unknown services and unusable offers are answered as RFC 3261/3264 say.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRoot } from '../../engine/log/index.js';
import { decodeG711 } from '../../engine/media/audio/g711.js';
import { parseWav } from '../../engine/media/audio/wav-file.js';
import type {
  AppCall,
  CollectResult,
  HangupCause,
  PlayResult,
  RecordResult,
} from '../../engine/media/apps/app-call.js';
import { CallEndedError } from '../../engine/media/apps/app-call.js';
import { MediaEndpoint } from '../../engine/media/apps/media-endpoint.js';
import { PromptLibrary, shippedPromptsDir } from '../../engine/media/apps/prompt-library.js';
import { dominantFrequency, rms } from '../support/audio-analysis.js';
import { tempDir } from '../support/paths.js';
import { randomId } from '../support/raw-sip-client.js';
import { RtpAudioPeer, soxStat, soxTone, type ReceivedRtp } from '../support/rtp-audio-peer.js';
import { OutgoingCall, pcmuSdp, sdpAudio, sleep, SipPhone, type SipMessage } from '../support/sip-phone.js';

const PROMPTS = shippedPromptsDir();

/** Samples of shipped prompts at 8 kHz, and the packets of 160 samples they make. */
function promptFrames(names: string[]): number {
  const samples = names.reduce(
    (n, p) => n + parseWav(fs.readFileSync(path.join(PROMPTS, `${p}.wav`))).samples.length,
    0,
  );
  return Math.ceil(samples / 160);
}

/** A random even RTP range of 40 ports inside 30000–32767. */
function rtpRange(): [number, number] {
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);
  return [base, base + 39];
}

function sdp(port: number, formats: Array<[number, string]>, extra: string[] = []): string {
  return [
    'v=0',
    'o=phone 1 1 IN IP4 127.0.0.1',
    's=call',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${formats.map(([pt]) => pt).join(' ')}`,
    ...formats.map(([pt, name]) => `a=rtpmap:${pt} ${name}`),
    ...extra,
    '',
  ].join('\r\n');
}

/** Inter-arrival statistics of packets, in ms. */
function pacing(pkts: ReceivedRtp[]): { mean: number; p99: number; max: number; min: number; span: number } {
  const gaps = pkts.slice(1).map((p, i) => p.at - pkts[i]!.at);
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    mean: gaps.reduce((a, b) => a + b, 0) / gaps.length,
    p99: sorted[Math.floor(sorted.length * 0.99)]!,
    max: sorted[sorted.length - 1]!,
    min: sorted[0]!,
    span: pkts[pkts.length - 1]!.at - pkts[0]!.at,
  };
}

/** Every waiting point of a script, as promises the test can await. */
class Probe<T> {
  private resolve!: (v: T) => void;
  readonly promise: Promise<T> = new Promise((r) => (this.resolve = r));
  set(v: T): void {
    this.resolve(v);
  }
  async get(ms = 8000, what = 'the script'): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_, rej) => (t = setTimeout(() => rej(new Error(`${what}: no result within ${ms} ms`)), ms)),
    );
    try {
      return await Promise.race([this.promise, timeout]);
    } finally {
      clearTimeout(t);
    }
  }
}

describe('media application endpoint (real SIP phone and RTP peer)', () => {
  let endpoint: MediaEndpoint;
  let phone: SipPhone;
  const dir = tempDir('media-apps');
  const [rtpMin, rtpMax] = rtpRange();
  const logRoot = new LogRoot('silent');

  // Per-test probes, replaced by each test before it calls.
  let played = new Probe<PlayResult>();
  let collected = new Probe<CollectResult>();
  let recorded = new Probe<RecordResult>();
  let ended = new Probe<HangupCause>();
  let lateError = new Probe<unknown>();

  before(async () => {
    endpoint = new MediaEndpoint({
      bind: '127.0.0.1',
      advertise: '127.0.0.1',
      sipPort: 0,
      rtpPortMin: rtpMin,
      rtpPortMax: rtpMax,
      prompts: new PromptLibrary([PROMPTS]),
      log: logRoot.logger('media.apps'),
      userAgent: 'OfficePBX-test',
    });
    const watch = (call: AppCall): void => void call.hungUp.then((c) => ended.set(c));
    // "You have 3 new messages", then a PIN-like entry, then a message until #.
    endpoint.addApplication('script', async (call) => {
      watch(call);
      played.set(await call.play(['vm-you-have', '3', 'vm-new-messages']));
      collected.set(await call.collectDigits({ max: 5, timeoutMs: 5000, terminators: '#' }));
      recorded.set(
        await call.record(path.join(dir, 'message.wav'), {
          maxSeconds: 10,
          silenceSeconds: 0,
          stopOnDigit: '#',
        }),
      );
    });
    // A beep, then digits (the INFO test).
    endpoint.addApplication('digits', async (call) => {
      watch(call);
      played.set(await call.play('beep'));
      collected.set(await call.collectDigits({ max: 5, timeoutMs: 5000, terminators: '#' }));
    });
    // A long recording that the caller ends with BYE; the header is rewritten every 200 ms.
    endpoint.addApplication('rec', async (call) => {
      watch(call);
      recorded.set(
        await call.record(path.join(dir, 'bye.wav'), {
          maxSeconds: 30,
          silenceSeconds: 0,
          flushIntervalMs: 200,
        }),
      );
    });
    // Recordings that end by themselves: silence, or the length limit.
    endpoint.addApplication('quiet', async (call) => {
      watch(call);
      recorded.set(await call.record(path.join(dir, 'quiet.wav'), { maxSeconds: 10, silenceSeconds: 1 }));
    });
    endpoint.addApplication('short', async (call) => {
      watch(call);
      recorded.set(await call.record(path.join(dir, 'short.wav'), { maxSeconds: 1, silenceSeconds: 0 }));
    });
    // Never answers: waits for the caller to give up (CANCEL).
    endpoint.addApplication('slow', async (call) => {
      watch(call);
      await Promise.race([call.hungUp, sleep(6000)]);
      try {
        await call.play('beep');
        lateError.set(undefined);
      } catch (err) {
        lateError.set(err);
      }
    });
    // A long prompt (hold and resume happen while it plays).
    endpoint.addApplication('long', async (call) => {
      watch(call);
      played.set(await call.play('aa-closed'));
    });
    await endpoint.start();
    phone = await SipPhone.open({ pbxPort: endpoint.port, user: '5101', password: 'unused' });
  });

  after(async () => {
    phone?.close();
    await endpoint?.stop();
  });

  const fresh = (): void => {
    played = new Probe();
    collected = new Probe();
    recorded = new Probe();
    ended = new Probe();
    lateError = new Probe();
  };

  /** The endpoint's BYE at the end of a script, answered 200. */
  async function answerBye(callId: string): Promise<SipMessage> {
    const bye = await phone.inDialogRequest('BYE', callId, 5000);
    phone.respond(bye, 200, 'OK');
    return bye;
  }

  it('plays "you have 3 new messages" as paced PCMU, collects RFC 4733 digits, records a 1 kHz tone until #', async () => {
    fresh();
    const peer = await RtpAudioPeer.open();
    try {
      const call = await phone.call('script', pcmuSdp({ port: peer.port }));
      const ok = await call.final();
      assert.equal(ok.status, 200);
      assert.equal(ok.header('content-type'), 'application/sdp');
      assert.match(ok.body, /^a=rtpmap:101 telephone-event\/8000/m);
      const media = sdpAudio(ok.body);
      assert.equal(media.address, '127.0.0.1');
      assert.ok(
        media.port >= rtpMin && media.port <= rtpMax && media.port % 2 === 0,
        `RTP port ${media.port}`,
      );

      // The prompt: every frame exactly once, at a 20 ms pace.
      const frames = promptFrames(['vm-you-have', '3', 'vm-new-messages']);
      assert.deepEqual(await played.get(10000), { reason: 'done' });
      assert.ok(
        await peer.until((r) => r.length >= frames, 2000),
        `${peer.received.length} of ${frames} packets`,
      );
      await sleep(200);
      const pkts = peer.received;
      assert.equal(pkts.length, frames, 'one packet per 20 ms of prompt, none after');
      const ssrc = pkts[0]!.ssrc;
      pkts.forEach((p, i) => {
        assert.equal(p.payloadType, 0, 'PCMU');
        assert.equal(p.ssrc, ssrc);
        assert.equal(p.payload.length, 160);
        assert.equal(p.marker, i === 0, `marker only on the talkspurt's first packet (${i})`);
        if (i > 0) {
          assert.equal(p.seq, (pkts[i - 1]!.seq + 1) & 0xffff, 'sequence numbers consecutive');
          const step = (p.timestamp - pkts[i - 1]!.timestamp) >>> 0;
          // +160 per packet; more only if this machine stalled the sender for over 100 ms.
          assert.ok(step >= 160 && step % 160 === 0 && step <= 160 * 50, `timestamp step ${step}`);
        }
      });
      const pace = pacing(pkts);
      console.log(
        `prompt pacing over loopback: ${pkts.length} packets, mean gap ${pace.mean.toFixed(3)} ms, ` +
          `min ${pace.min.toFixed(2)} p99 ${pace.p99.toFixed(2)} max ${pace.max.toFixed(2)} ms, ` +
          `span ${pace.span.toFixed(1)} ms for ${(pkts.length - 1) * 20} ms of audio`,
      );
      // Drift-free: the packets span the time their timestamps say (a stall on this shared machine may
      // push timestamps ahead, never the audio out of step with them); no gap near a stall's length.
      const tsSpanMs = ((pkts[pkts.length - 1]!.timestamp - pkts[0]!.timestamp) >>> 0) / 8;
      assert.ok(tsSpanMs >= (pkts.length - 1) * 20, 'timestamps advance at least 160 per packet');
      assert.ok(
        Math.abs(pace.span - tsSpanMs) < 100,
        `span ${pace.span} ms for ${tsSpanMs} ms of timestamps`,
      );
      assert.ok(Math.abs(pace.mean - 20) < 2, `mean gap ${pace.mean}`);
      assert.ok(pace.max < 250, `longest gap ${pace.max} ms`);
      // It is speech, not silence.
      const audio = decodeG711('ulaw', Buffer.concat(pkts.map((p) => p.payload)));
      assert.ok(rms(audio) > 500, `prompt level ${rms(audio)}`);

      // Digits: RFC 4733, each end packet sent three times, counted once; # ends the entry.
      for (const d of '123#') await peer.sendDigit(media.port, d);
      assert.deepEqual(await collected.get(), { digits: '123', reason: 'terminator', terminator: '#' });

      // The message: 2 s of 1 kHz (encoded by sox), then #.
      await sleep(100);
      await peer.sendAudio(media.port, soxTone(1000, 2));
      await peer.sendDigit(media.port, '#');
      const rec = await recorded.get();
      assert.equal(rec.reason, 'digit');
      assert.equal(rec.digit, '#');
      assert.ok(Math.abs(rec.seconds - 2) < 0.25, `recorded ${rec.seconds} s`);
      const wav = parseWav(fs.readFileSync(rec.file));
      assert.equal(wav.sampleRate, 8000);
      assert.equal(dominantFrequency(wav.samples.subarray(800, 8800), 8000), 1000);
      const stat = soxStat(rec.file);
      assert.ok(Math.abs(stat.roughFrequency - 1000) < 60, `sox: ${stat.roughFrequency} Hz`);
      assert.ok(Math.abs(stat.seconds - rec.seconds) < 0.01);

      // The script returns: the endpoint hangs up.
      await answerBye(call.callId);
      assert.equal(await ended.get(), 'application hung up');
      assert.ok(await waitFor(() => endpoint.rtpPortsInUse === 0 && endpoint.callsInProgress === 0));
    } finally {
      peer.close();
    }
  });

  it('takes digits from SIP INFO (application/dtmf-relay and application/dtmf) from a phone without RFC 4733, over PCMA', async () => {
    fresh();
    const peer = await RtpAudioPeer.open();
    try {
      const call = await phone.call('digits', sdp(peer.port, [[8, 'PCMA/8000']]));
      const ok = await call.final();
      assert.equal(ok.status, 200);
      assert.doesNotMatch(ok.body, /telephone-event/);
      assert.deepEqual(await played.get(), { reason: 'done' });
      assert.ok(await peer.until((r) => r.length >= 20, 1000));
      assert.ok(
        peer.received.every((p) => p.payloadType === 8),
        'PCMA',
      );
      const d = call.dialog!;
      const info = async (type: string, body: string): Promise<void> => {
        const cseq = ++d.localCSeq;
        phone.sendRaw(
          [
            `INFO ${d.remoteTarget} SIP/2.0`,
            `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${randomId()};rport`,
            'Max-Forwards: 70',
            `From: ${d.local}`,
            `To: ${d.remote}`,
            `Call-ID: ${d.callId}`,
            `CSeq: ${cseq} INFO`,
            `Content-Type: ${type}`,
            `Content-Length: ${Buffer.byteLength(body)}`,
            '',
            body,
          ].join('\r\n'),
        );
        const r = await phone.waitFor(
          'a response to INFO',
          (m) => !m.isRequest && m.method === 'INFO' && m.cseq === cseq,
        );
        assert.equal(r.status, 200);
      };
      await info('application/dtmf-relay', 'Signal=4\r\nDuration=160\r\n');
      await info('application/dtmf', '5');
      await info('application/dtmf-relay', 'Signal=*\r\nDuration=160\r\n');
      await info('application/dtmf-relay', 'Signal=#\r\nDuration=160\r\n');
      assert.deepEqual(await collected.get(), { digits: '45*', reason: 'terminator', terminator: '#' });
      await answerBye(call.callId);
    } finally {
      peer.close();
    }
  });

  it('BYE in the middle of a recording leaves a valid WAV with what was recorded; the header is valid before it too', async () => {
    fresh();
    const peer = await RtpAudioPeer.open();
    try {
      const call = await phone.call('rec', pcmuSdp({ port: peer.port }));
      assert.equal((await call.final()).status, 200);
      const media = sdpAudio(call.responses.at(-1)!.body);
      const file = path.join(dir, 'bye.wav');
      const sending = peer.sendAudio(media.port, soxTone(1000, 1.5));
      await sleep(1000);
      // Mid-recording, as a crash would leave it: the header's sizes match what is on disk, and sox reads it.
      const mid = fs.readFileSync(file);
      assert.equal(mid.readUInt32LE(40), mid.length - 44, 'data size = bytes on disk');
      assert.equal(mid.readUInt32LE(4), mid.length - 8, 'RIFF size = file size - 8');
      assert.ok(mid.length - 44 >= 2 * 8000 * 0.5, `${(mid.length - 44) / 16000} s on disk after 1 s`);
      assert.ok(soxStat(file).seconds > 0.5);
      await sending;
      const bye = await phone.bye(call.dialog!);
      assert.equal(bye.status, 200);
      const rec = await recorded.get();
      assert.equal(rec.reason, 'hangup');
      assert.ok(Math.abs(rec.seconds - 1.5) < 0.2, `${rec.seconds} s`);
      const stat = soxStat(file);
      assert.ok(Math.abs(stat.seconds - rec.seconds) < 0.01);
      assert.ok(Math.abs(stat.roughFrequency - 1000) < 60, `sox: ${stat.roughFrequency} Hz`);
      assert.equal(
        dominantFrequency(parseWav(fs.readFileSync(file)).samples.subarray(800, 8800), 8000),
        1000,
      );
      assert.equal(await ended.get(), 'caller hung up');
      assert.ok(await waitFor(() => endpoint.rtpPortsInUse === 0));
    } finally {
      peer.close();
    }
  });

  it('stops recording after the given silence, and at the length limit', async () => {
    for (const [service, expect] of [
      ['quiet', { reason: 'silence', seconds: 1.5 }],
      ['short', { reason: 'max', seconds: 1 }],
    ] as const) {
      fresh();
      const peer = await RtpAudioPeer.open();
      try {
        const call = await phone.call(service, pcmuSdp({ port: peer.port }));
        assert.equal((await call.final()).status, 200);
        const media = sdpAudio(call.responses.at(-1)!.body);
        // 0.5 s of tone, then µ-law silence (0xFF) as a phone without VAD sends it.
        const audio = Buffer.concat([soxTone(1000, 0.5), Buffer.alloc(8000 * 2.5, 0xff)]);
        const sending = peer.sendAudio(media.port, audio);
        const started = Date.now();
        const rec = await recorded.get(5000, service);
        const took = (Date.now() - started) / 1000;
        assert.equal(rec.reason, expect.reason, service);
        assert.ok(Math.abs(rec.seconds - expect.seconds) < 0.35, `${service}: ${rec.seconds} s recorded`);
        assert.ok(Math.abs(took - expect.seconds) < 0.7, `${service}: stopped after ${took} s`);
        assert.ok(Math.abs(soxStat(rec.file).seconds - rec.seconds) < 0.01);
        await answerBye(call.callId);
        await sending;
      } finally {
        peer.close();
      }
    }
  });

  it('CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE, the script learns it and cannot go on', async () => {
    fresh();
    const callId = `${randomId()}@127.0.0.1`;
    const fromTag = randomId();
    const uri = `sip:slow@127.0.0.1:${endpoint.port}`;
    const invite = phone.sendRaw(
      [
        `INVITE ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${randomId()};rport`,
        'Max-Forwards: 70',
        `From: <sip:5101@127.0.0.1>;tag=${fromTag}`,
        `To: <${uri}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: ${phone.contact}`,
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(pcmuSdp({ port: 4000 }))}`,
        '',
        pcmuSdp({ port: 4000 }),
      ].join('\r\n'),
    );
    const call = new OutgoingCall(phone, callId, fromTag, 'slow', uri, invite);
    await phone.waitFor('100 Trying', (m) => m.callId === callId && m.status === 100);
    await sleep(100);
    call.cancel();
    const cancelOk = await phone.waitFor(
      '200 for CANCEL',
      (m) => m.callId === callId && m.method === 'CANCEL' && m.status === 200,
    );
    assert.equal(cancelOk.status, 200);
    assert.equal((await call.final()).status, 487);
    assert.equal(await ended.get(), 'cancelled');
    assert.ok((await lateError.get()) instanceof CallEndedError);
    assert.ok(await waitFor(() => endpoint.rtpPortsInUse === 0 && endpoint.callsInProgress === 0));
  });

  it('hold (re-INVITE sendonly) stops the RTP, resume restarts it with the marker bit; a late offer is answered in the ACK', async () => {
    fresh();
    const peer = await RtpAudioPeer.open();
    try {
      // Late offer: no SDP in the INVITE, our offer in the 200, the answer in the ACK.
      const call = await phone.call('long');
      const ok = await call.final(3000, pcmuSdp({ port: peer.port }));
      assert.equal(ok.status, 200);
      assert.match(ok.body, /^m=audio \d+ RTP\/AVP 0 8 101/m);
      assert.ok(await peer.until((r) => r.length >= 25, 2000), 'audio after the ACK');
      const d = call.dialog!;
      const hold = await phone.reinvite(d, pcmuSdp({ port: peer.port, direction: 'sendonly', version: 2 }));
      assert.equal(hold.status, 200);
      assert.equal(sdpAudio(hold.body).direction, 'recvonly');
      await sleep(100);
      const held = peer.received.length;
      await sleep(400);
      assert.equal(peer.received.length, held, 'nothing sent while held');
      const resume = await phone.reinvite(d, pcmuSdp({ port: peer.port, version: 3 }));
      assert.equal(resume.status, 200);
      assert.equal(sdpAudio(resume.body).direction, 'sendrecv');
      assert.ok(await peer.until((r) => r.length >= held + 10, 1000), 'audio again after resume');
      assert.equal(peer.received[held]!.marker, true, 'a new talkspurt');
      assert.equal(peer.received[held]!.ssrc, peer.received[0]!.ssrc);
      assert.equal(peer.received[held]!.seq, (peer.received[held - 1]!.seq + 1) & 0xffff);
      assert.equal((await phone.bye(d)).status, 200);
      assert.deepEqual(await played.get(), { reason: 'hangup' });
      assert.equal(await ended.get(), 'caller hung up');
    } finally {
      peer.close();
    }
  });

  it('refuses callers the acceptFrom rule does not admit with 403 (e.g. anyone but the proxy)', async () => {
    const [lo, hi] = rtpRange();
    const guarded = new MediaEndpoint({
      bind: '127.0.0.1',
      advertise: '127.0.0.1',
      sipPort: 0,
      rtpPortMin: lo,
      rtpPortMax: hi,
      prompts: new PromptLibrary([PROMPTS]),
      log: logRoot.logger('media.apps'),
      userAgent: 'OfficePBX-test',
      acceptFrom: (flow) => flow.remotePort === 5060,
    });
    guarded.addApplication('script', () => undefined);
    await guarded.start();
    const other = await SipPhone.open({ pbxPort: guarded.port, user: '5101', password: 'unused' });
    try {
      const call = await other.call('script', pcmuSdp({ port: 4000 }));
      assert.equal((await call.final()).status, 403);
      assert.equal(guarded.rtpPortsInUse, 0);
    } finally {
      other.close();
      await guarded.stop();
    }
  });

  it('answers 404 for an unknown application, 488 for an offer without PCMU/PCMA, 481 for a BYE outside a call', async () => {
    const unknown = await phone.call('nobody', pcmuSdp({ port: 4000 }));
    assert.equal((await unknown.final()).status, 404);
    const g729 = await phone.call('script', sdp(4000, [[18, 'G729/8000']]));
    assert.equal((await g729.final()).status, 488);
    assert.equal(endpoint.rtpPortsInUse, 0);
    const callId = `${randomId()}@127.0.0.1`;
    phone.sendRaw(
      [
        `BYE sip:script@127.0.0.1:${endpoint.port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${randomId()};rport`,
        'Max-Forwards: 70',
        `From: <sip:5101@127.0.0.1>;tag=${randomId()}`,
        `To: <sip:script@127.0.0.1>;tag=${randomId()}`,
        `Call-ID: ${callId}`,
        'CSeq: 2 BYE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    assert.equal(
      (await phone.waitFor('a response to BYE', (m) => m.callId === callId && !m.isRequest)).status,
      481,
    );
  });
});

async function waitFor(pred: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}
