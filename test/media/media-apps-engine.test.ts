// The media applications inside the running service (`node dist/engine/cli.js`): the endpoint listens on
// --apps-sip-port with RTP from --apps-rtp-ports, /api/health lists it, a prompt uploaded into the data dir
// replaces the shipped one (a 16 kHz WAV, resampled), and the sound check (sip:echo@…) records what a real
// RTP peer sends and plays it back: a round trip of a 1 kHz tone through recording and playback.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeG711 } from '../../engine/media/audio/g711.js';
import { encodeWav } from '../../engine/media/audio/wav-file.js';
import { dominantFrequency, sine } from '../support/audio-analysis.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { RtpAudioPeer, soxStat, soxTone, type ReceivedRtp } from '../support/rtp-audio-peer.js';
import { pcmuSdp, sdpAudio, sleep, SipPhone } from '../support/sip-phone.js';

/** Packets split into talkspurts at each marker bit. */
function talkspurts(pkts: ReceivedRtp[]): ReceivedRtp[][] {
  const out: ReceivedRtp[][] = [];
  for (const p of pkts) {
    if (p.marker || out.length === 0) out.push([]);
    out[out.length - 1]!.push(p);
  }
  return out;
}

const CALLER_SECRET = 'caller-5101-secret';

async function addCaller(e: RunningEngine): Promise<void> {
  const r = await e.api('POST', '/api/users', { extension: '5101', name: 'Caller', secret: CALLER_SECRET });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

describe('media applications in the running service', () => {
  let engine: RunningEngine;
  let appsPort: number;
  const dataDir = tempDir('apps-engine');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);

  before(async () => {
    // An office's own beep: 500 Hz, 0.3 s, recorded at 16 kHz.
    const custom = path.join(dataDir, 'prompts', 'en');
    fs.mkdirSync(custom, { recursive: true });
    fs.writeFileSync(path.join(custom, 'beep.wav'), encodeWav(sine(500, 16000, 0.3), 16000));
    appsPort = await freePort();
    engine = await startEngine({
      dataDir,
      args: ['--apps-sip-port', String(appsPort), '--apps-rtp-ports', `${base}-${base + 19}`],
    });
    await addCaller(engine);
  });

  after(async () => {
    await engine?.stop();
  });

  it('lists the endpoint in /api/health', async () => {
    const h = await engine.api<{ ok: boolean; listeners: Record<string, string> }>('GET', '/api/health');
    assert.equal(h.body.listeners['apps-sip'], `127.0.0.1:${appsPort}`);
  });

  it('the sound check plays the custom beep, records a 1 kHz tone until # and plays it back', async () => {
    // Dialled as a phone does: *43 through the proxy, which routes it to the endpoint (the only one
    // the endpoint takes calls from), with the relay in the path.
    const phone = await SipPhone.open({ pbxPort: engine.sipPort, user: '5101', password: CALLER_SECRET });
    const peer = await RtpAudioPeer.open();
    try {
      const call = await phone.call('*43', pcmuSdp({ port: peer.port }));
      const ok = await call.final();
      assert.equal(ok.status, 200);
      const media = sdpAudio(ok.body);
      // Skip the introduction with #: the beep follows at once (the same talkspurt: no gap, so no marker).
      assert.ok(await peer.until((r) => r.length >= 10, 2000), 'the introduction plays');
      await peer.sendDigit(media.port, '#');
      // While recording nothing is sent: wait for the pause.
      const quiet = async (): Promise<void> => {
        for (let i = 0; i < 100; i++) {
          const n = peer.received.length;
          await sleep(150);
          if (peer.received.length === n) return;
        }
      };
      await quiet();
      const first = talkspurts(peer.received);
      assert.equal(first.length, 1);
      assert.ok(first[0]!.length < 100, `the introduction was cut short (${first[0]!.length} packets)`);
      const beep = first[0]!.slice(-15);
      const beepAudio = decodeG711('ulaw', Buffer.concat(beep.map((p) => p.payload)));
      // The uploaded 0.3 s, 16 kHz prompt: 15 packets of 500 Hz at 8 kHz, not the shipped 1 kHz beep.
      assert.equal(dominantFrequency(beepAudio.subarray(160, 2240), 8000), 500);

      // Say something (1.5 s of 1 kHz), press #, hear it back as a new talkspurt.
      await peer.sendAudio(media.port, soxTone(1000, 1.5));
      await peer.sendDigit(media.port, '#');
      assert.ok(
        await peer.until((r) => talkspurts(r).length >= 2 && talkspurts(r)[1]!.length >= 60, 5000),
        'the recording played back',
      );
      const back = decodeG711(
        'ulaw',
        Buffer.concat(
          talkspurts(peer.received)[1]!
            .slice(5, 55)
            .map((p) => p.payload),
        ),
      );
      assert.equal(dominantFrequency(back, 8000), 1000);
      const bye = await phone.inDialogRequest('BYE', call.callId, 8000);
      phone.respond(bye, 200, 'OK');
      await sleep(100);
      const left = fs.existsSync(path.join(dataDir, 'tmp')) ? fs.readdirSync(path.join(dataDir, 'tmp')) : [];
      assert.deepEqual(left, [], 'the sound check keeps no recording');
    } finally {
      peer.close();
      phone.close();
    }
  });

  it('a crash (SIGKILL) in the middle of a recording leaves a valid WAV of what was recorded', async () => {
    const crashBase = base + 20 <= 32740 ? base + 20 : base - 20;
    const dir = tempDir('apps-crash');
    const port = await freePort();
    const victim = await startEngine({
      dataDir: dir,
      args: ['--apps-sip-port', String(port), '--apps-rtp-ports', `${crashBase}-${crashBase + 9}`],
    });
    await addCaller(victim);
    const phone = await SipPhone.open({ pbxPort: victim.sipPort, user: '5101', password: CALLER_SECRET });
    const peer = await RtpAudioPeer.open();
    try {
      const call = await phone.call('*43', pcmuSdp({ port: peer.port }));
      const ok = await call.final();
      assert.equal(ok.status, 200);
      const media = sdpAudio(ok.body);
      assert.ok(await peer.until((r) => r.length >= 5, 2000));
      await peer.sendDigit(media.port, '#'); // skip the introduction
      await sleep(600); // the beep
      await peer.sendAudio(media.port, soxTone(1000, 2.5));
      process.kill(victim.pid, 'SIGKILL');
      await victim.stop();
      const files = fs.readdirSync(path.join(dir, 'tmp')).filter((f) => f.endsWith('.wav'));
      assert.equal(files.length, 1, 'the recording in progress is on disk');
      const file = path.join(dir, 'tmp', files[0]!);
      const stat = soxStat(file); // sox reads it: the header is valid
      // Written at least up to the last flush (1 s before the end at most).
      assert.ok(stat.seconds >= 1.2 && stat.seconds <= 2.6, `${stat.seconds} s survived`);
      assert.ok(Math.abs(stat.roughFrequency - 1000) < 60, `${stat.roughFrequency} Hz`);
      const b = fs.readFileSync(file);
      // The sizes are rewritten after each append: at most the last append is not yet counted.
      const counted = b.readUInt32LE(40);
      assert.ok(
        counted <= b.length - 44 && counted >= b.length - 44 - 2 * 8000 * 1.5,
        `${counted} of ${b.length - 44}`,
      );
    } finally {
      peer.close();
      phone.close();
    }
  });
});
