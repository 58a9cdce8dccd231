// The auto-attendant in the running service, called by a scripted phone (RFC 4733 keys, a real UDP
// socket) dialling 800 through the proxy: the greeting it hears is an uploaded tone (600 Hz open,
// 1400 Hz after hours), so the test knows which menu answered. Each case checks the REFER the attendant
// sends (Refer-To the PBX's address and port, Referred-By its number, a Contact), plays the transferee's
// part (202, NOTIFY sipfrag) and expects the attendant's BYE; a refused REFER or a failing target brings
// the caller back to the menu; no key and wrong keys end in the configured destinations.
import assert from 'node:assert/strict';
import { soxSine } from '../support/sox.js';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ulawToLinear } from '../../engine/media/audio/g711.js';
import { dominantFrequency, rms } from '../support/audio-analysis.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { RtpAudioPeer, type ReceivedRtp } from '../support/rtp-audio-peer.js';
import { pcmuSdp, sdpAudio, sleep, SipPhone, type Dialog, type SipMessage } from '../support/sip-phone.js';

/** The dominant frequency of each 0.25 s of received PCMU that is not silence. */
function tones(received: ReceivedRtp[], from = 0): number[] {
  const out: number[] = [];
  const audio = received.slice(from).filter((r) => r.payloadType === 0);
  for (let i = 0; i + 12 <= audio.length; i += 12) {
    const bytes = Buffer.concat(audio.slice(i, i + 12).map((r) => r.payload));
    const pcm = Int16Array.from(bytes, (b) => ulawToLinear(b));
    if (rms(pcm) > 1000) out.push(dominantFrequency(pcm, 8000));
  }
  return out;
}

interface AaCall {
  phone: SipPhone;
  peer: RtpAudioPeer;
  dialog: Dialog;
  rtpPort: number;
  callId: string;
  close(): void;
}

const CALLER_SECRET = 'caller-5301-secret';

describe('auto-attendant in the running service', () => {
  let engine: RunningEngine;
  let appsPort: number;
  const dataDir = tempDir('aa-engine');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);

  const upload = async (name: string, hz: number, seconds = 1): Promise<void> => {
    const file = path.join(tempDir('aa-tone'), `${name}.wav`);
    soxSine(file, { hz, seconds, rate: 16000, volume: 0.5 });
    const r = await fetch(`${engine.baseUrl}/api/prompts/${name}`, {
      method: 'PUT',
      headers: {
        authorization: 'Basic ' + Buffer.from(`admin:${engine.password}`).toString('base64'),
        'content-type': 'audio/wav',
      },
      body: fs.readFileSync(file),
    });
    assert.equal(r.status, 200, await r.text());
  };

  const configure = async (body: Record<string, unknown>): Promise<void> => {
    const r = await engine.api('PUT', '/api/autoattendant', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  before(async () => {
    appsPort = await freePort();
    engine = await startEngine({
      dataDir,
      args: ['--apps-sip-port', String(appsPort), '--apps-rtp-ports', `${base}-${base + 19}`],
    });
    for (const [extension, name] of [
      ['201', 'Anna'],
      ['202', 'Ben'],
      ['203', 'Operator'],
    ] as const) {
      assert.equal((await engine.api('POST', '/api/users', { extension, name })).status, 201);
    }
    const caller = { extension: '5301', name: 'Caller', secret: CALLER_SECRET };
    assert.equal((await engine.api('POST', '/api/users', caller)).status, 201);
    await upload('aa-welcome', 600);
    await upload('aa-closed', 1400);
    await configure({
      operator: '203',
      digits: { '1': { type: 'extension', extension: '201' }, '2': { type: 'voicemail', extension: '202' } },
      timeoutSeconds: 1,
      maxTries: 2,
      onTimeout: { type: 'voicemail', extension: '202' },
      onInvalid: { type: 'hangup' },
      afterHours: { digits: { '5': { type: 'extension', extension: '202' } }, onInvalid: { type: 'hangup' } },
    });
  });

  after(async () => {
    await engine?.stop();
  });

  async function dial(): Promise<AaCall> {
    const phone = await SipPhone.open({ pbxPort: engine.sipPort, user: '5301', password: CALLER_SECRET });
    const peer = await RtpAudioPeer.open();
    const call = await phone.call('800', pcmuSdp({ port: peer.port }));
    const ok = await call.final();
    assert.equal(ok.status, 200);
    return {
      phone,
      peer,
      dialog: call.dialog!,
      rtpPort: sdpAudio(ok.body).port,
      callId: call.callId,
      close: () => {
        peer.close();
        phone.close();
      },
    };
  }

  async function keys(c: AaCall, digits: string): Promise<void> {
    for (const d of digits) await c.peer.sendDigit(c.rtpPort, d);
  }

  /** The caller's phone accepting a REFER: 202, then NOTIFYs with the new call's status lines. */
  async function acceptRefer(c: AaCall, refer: SipMessage, ...statuses: string[]): Promise<void> {
    c.phone.respond(refer, 202, 'Accepted');
    for (const [i, status] of statuses.entries()) {
      const last = i === statuses.length - 1 && !status.startsWith('SIP/2.0 1');
      c.phone.sendInDialog(c.dialog, 'NOTIFY', {
        headers: [
          'Event: refer',
          `Subscription-State: ${last ? 'terminated;reason=noresource' : 'active;expires=60'}`,
        ],
        contentType: 'message/sipfrag;version=2.0',
        body: `${status}\r\n`,
      });
      const ok = await c.phone.waitFor('200 to NOTIFY', (m) => !m.isRequest && m.method === 'NOTIFY');
      assert.equal(ok.status, 200);
      await sleep(100);
    }
  }

  async function expectBye(c: AaCall, ms = 5000): Promise<void> {
    const bye = await c.phone.inDialogRequest('BYE', c.callId, ms);
    c.phone.respond(bye, 200, 'OK');
  }

  const referTarget = (refer: SipMessage): string => refer.header('refer-to') ?? '';

  it('dial-by-extension: 201# is transferred by REFER to the PBX, and the attendant hangs up once answered', async () => {
    const c = await dial();
    try {
      assert.ok(await c.peer.until((r) => r.length >= 30, 3000), 'the greeting plays');
      assert.equal(tones(c.peer.received)[0], 600, 'the open greeting (the uploaded 600 Hz)');
      await keys(c, '201#');
      const refer = await c.phone.inDialogRequest('REFER', c.callId, 8000);
      assert.equal(referTarget(refer), `<sip:201@127.0.0.1:${engine.sipPort}>`);
      assert.equal(refer.header('referred-by'), `<sip:800@127.0.0.1:${engine.sipPort}>`);
      assert.match(refer.header('contact') ?? '', /^<sip:autoattendant@127\.0\.0\.1:\d+>$/);
      await acceptRefer(c, refer, 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK');
      await expectBye(c);
    } finally {
      c.close();
    }
  });

  it('0 goes to the operator; key 2 (which extensions 2xx also start with) goes to voicemail after a pause', async () => {
    const c = await dial();
    try {
      await sleep(300);
      await keys(c, '0');
      const refer = await c.phone.inDialogRequest('REFER', c.callId, 8000);
      assert.equal(referTarget(refer), `<sip:203@127.0.0.1:${engine.sipPort}>`);
      await acceptRefer(c, refer, 'SIP/2.0 200 OK');
      await expectBye(c);
    } finally {
      c.close();
    }
    const v = await dial();
    try {
      await sleep(300);
      const pressed = Date.now();
      await keys(v, '2');
      const refer = await v.phone.inDialogRequest('REFER', v.callId, 10000);
      assert.equal(referTarget(refer), `<sip:*202@127.0.0.1:${engine.sipPort}>`);
      assert.ok(Date.now() - pressed >= 1800, 'waited for more keys before taking key 2');
      await acceptRefer(v, refer, 'SIP/2.0 200 OK');
      await expectBye(v);
    } finally {
      v.close();
    }
  });

  it('no key: the greeting again, then after maxTries the timeout destination', async () => {
    const c = await dial();
    try {
      const started = Date.now();
      const refer = await c.phone.inDialogRequest('REFER', c.callId, 15000);
      assert.equal(referTarget(refer), `<sip:*202@127.0.0.1:${engine.sipPort}>`);
      // Two rounds of a 1 s greeting and a 1 s wait.
      assert.ok(Date.now() - started >= 3500, `${Date.now() - started} ms`);
      assert.ok(tones(c.peer.received).filter((f) => f === 600).length >= 6, 'the greeting twice');
      await acceptRefer(c, refer, 'SIP/2.0 200 OK');
      await expectBye(c);
    } finally {
      c.close();
    }
  });

  it('wrong keys: "not valid", and after maxTries the invalid destination (goodbye, no transfer)', async () => {
    const c = await dial();
    try {
      await sleep(300);
      await keys(c, '7');
      await sleep(1500);
      await keys(c, '7');
      await expectBye(c, 15000);
      assert.ok(!c.phone.log.some((m) => m.method === 'REFER'), 'no REFER');
    } finally {
      c.close();
    }
  });

  it('a refused REFER and a failing target bring the caller back to the menu', async () => {
    const c = await dial();
    try {
      await sleep(300);
      await keys(c, '1'); // no extension starts with 1: at once
      const refer = await c.phone.inDialogRequest('REFER', c.callId, 8000);
      const mark = c.peer.received.length;
      c.phone.respond(refer, 405, 'Method Not Allowed');
      // "I could not transfer your call", then the greeting again.
      assert.ok(
        await c.peer.until(() => tones(c.peer.received, mark).includes(600), 8000),
        'the greeting again after the refusal',
      );
      await keys(c, '1');
      const second = await c.phone.inDialogRequest('REFER', c.callId, 8000);
      await acceptRefer(c, second, 'SIP/2.0 100 Trying', 'SIP/2.0 486 Busy Here');
      // That was the second of two tries: the invalid destination (hang-up) follows.
      await expectBye(c, 10000);
    } finally {
      c.close();
    }
  });

  it('after hours: the other greeting and digit map; a replaced prompt plays on the next call', async () => {
    await configure({ schedule: {} }); // no day has opening hours: closed now
    const c = await dial();
    try {
      assert.ok(await c.peer.until((r) => r.length >= 30, 3000));
      assert.equal(tones(c.peer.received)[0], 1400, 'the after-hours greeting');
      await keys(c, '5');
      const refer = await c.phone.inDialogRequest('REFER', c.callId, 8000);
      assert.equal(referTarget(refer), `<sip:202@127.0.0.1:${engine.sipPort}>`);
      await acceptRefer(c, refer, 'SIP/2.0 200 OK');
      await expectBye(c);
    } finally {
      c.close();
    }
    await configure({ schedule: null });
    await upload('aa-welcome', 900);
    const o = await dial();
    try {
      assert.ok(await o.peer.until((r) => r.length >= 30, 3000));
      assert.equal(tones(o.peer.received)[0], 900, 'the newly uploaded greeting, without a restart');
    } finally {
      o.close();
    }
  });

  it('refuses calls while disabled', async () => {
    await configure({ enabled: false });
    const phone = await SipPhone.open({ pbxPort: engine.sipPort, user: '5301', password: CALLER_SECRET });
    try {
      const call = await phone.call('800', pcmuSdp({ port: 4000 }));
      assert.equal((await call.final()).status, 480);
    } finally {
      phone.close();
      await configure({ enabled: true });
    }
  });
});
