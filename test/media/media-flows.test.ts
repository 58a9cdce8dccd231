// Media through the running service, end to end: scripted SIP phones over real UDP (register with digest,
// INVITE/407, 18x/200 with SDP, ACK, re-INVITE, CANCEL, BYE along the Record-Route set) and real RTP (PCMU
// every 20 ms). What each phone is told in SDP, what it receives and from where, hold and resume, early
// media, NAT latching, ports given back after failed and cancelled attempts, the range running dry, the
// media timeout and the call records' packet counts. The call flows and the media timeout run twice: with
// the built-in relay and with a real rtpengine behind the ng driver (`--rtpengine`), since an office that
// moves its media to rtpengine must not lose any of them.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, logInAt, openConsole, screenshot } from '../support/browser.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { voicemailOff } from '../support/voicemail.js';
import { freePort } from '../support/ports.js';
import { RtpPeer } from '../support/rtp-peer.js';
import { startRtpengine, type Rtpengine } from './rtpengine/rtpengine-harness.js';
import {
  pcmuSdp,
  sdpAudio,
  sleep,
  SipPhone,
  IncomingCall,
  tagOf,
  type Dialog,
  type OutgoingCall,
  type SipMessage,
} from '../support/sip-phone.js';

const CALLER = { user: '5101', password: 'flow-caller-secret' };
const CALLEE = { user: '5102', password: 'flow-callee-secret' };

interface DirectionStats {
  packets: number;
  lost: number;
  source: string | null;
  qualityMeasured?: boolean;
}
interface StreamView {
  codec: string | null;
  callerToCallee: DirectionStats;
  calleeToCaller: DirectionStats;
}
interface CdrView {
  id: number;
  callId: string;
  disposition: string;
  status: number | null;
  endReason: string | null;
  media: StreamView[] | null;
}
interface CallView {
  callId: string;
  state: string;
  media: StreamView[] | null;
}

const usedRanges: Array<[number, number]> = [];

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * `size` ports (even first port) at random inside 30000-39999, kept below the kernel's ephemeral ports when
 * they leave room (so no phone socket bound to port 0 can sit in the range), free for UDP right now, clear
 * of `avoid` and of the ranges other describes of this file took.
 */
async function rtpRange(size: number, avoid: number[]): Promise<[number, number]> {
  let lo = 30000;
  let hi = 39999;
  try {
    const [ephemeralLow] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (ephemeralLow !== undefined && ephemeralLow - lo >= 200) hi = Math.min(hi, ephemeralLow - 1);
  } catch {
    /* not Linux: the whole range */
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = lo + 2 * Math.floor((Math.random() * (hi - lo + 1 - size)) / 2);
    const last = first + size - 1;
    if (avoid.some((p) => p >= first && p <= last)) continue;
    if (usedRanges.some(([a, b]) => first <= b && last >= a)) continue;
    let free = true;
    for (let p = first; p <= last && free; p++) free = await udpFree(p);
    if (!free) continue;
    usedRanges.push([first, last]);
    return [first, last];
  }
  throw new Error('no free RTP port range');
}

type RelayKind = 'builtin' | 'rtpengine';
const RELAYS: readonly RelayKind[] = ['builtin', 'rtpengine'];

interface Pbx {
  engine: RunningEngine;
  /** The media ports the relay (built-in or rtpengine) anchors calls on. */
  range: [number, number];
  rtpengine?: Rtpengine;
}

async function startPbx(
  rangeSize: number,
  extraArgs: string[] = [],
  relay: RelayKind = 'builtin',
): Promise<Pbx> {
  const sipPort = await freePort();
  const httpPort = await freePort();
  let range: [number, number];
  let relayArgs: string[];
  let rtpengine: Rtpengine | undefined;
  if (relay === 'rtpengine') {
    rtpengine = await startRtpengine();
    range = [rtpengine.portMin, rtpengine.portMax];
    relayArgs = ['--rtpengine', rtpengine.ng];
  } else {
    range = await rtpRange(rangeSize, [sipPort, httpPort]);
    relayArgs = ['--rtp-ports', `${range[0]}-${range[1]}`];
  }
  const engine = await startEngine({
    sipPort,
    httpPort,
    args: ['--qualify-interval', '0', ...relayArgs, ...extraArgs],
  }).catch(async (err: unknown) => {
    await rtpengine?.stop();
    throw err;
  });
  for (const u of [CALLER, CALLEE]) {
    const r = await engine.api('POST', '/api/users', { extension: u.user, name: u.user, secret: u.password });
    assert.equal(r.status, 201);
  }
  // Refused and cancelled calls must reach the caller as such, not be answered by voicemail.
  await voicemailOff(engine, CALLER.user, CALLEE.user);
  return { engine, range, ...(rtpengine ? { rtpengine } : {}) };
}

async function stopPbx(pbx: Pbx): Promise<void> {
  try {
    assert.equal(await pbx.engine.stop(), 0);
  } finally {
    await pbx.rtpengine?.stop();
  }
}

/** A phone and its audio socket, closed in `after`. */
class Kit {
  readonly phones: SipPhone[] = [];
  readonly peers: RtpPeer[] = [];
  async phone(pbx: Pbx, who: { user: string; password: string }): Promise<SipPhone> {
    const p = await SipPhone.open({ pbxPort: pbx.engine.sipPort, ...who });
    this.phones.push(p);
    await p.register();
    return p;
  }
  async rtp(): Promise<RtpPeer> {
    const r = await RtpPeer.open();
    this.peers.push(r);
    return r;
  }
  close(): void {
    for (const p of this.phones) p.close();
    for (const r of this.peers) r.close();
  }
}

function assertAnchored(sdp: string, pbx: Pbx, notPort: number, what: string): { port: number } {
  const a = sdpAudio(sdp);
  assert.equal(a.address, '127.0.0.1', `${what}: c= names the relay's address`);
  assert.ok(
    a.port >= pbx.range[0] && a.port <= pbx.range[1],
    `${what}: port ${a.port} inside --rtp-ports ${pbx.range.join('-')}`,
  );
  assert.notEqual(a.port, notPort, `${what}: not the other phone's own port`);
  return { port: a.port };
}

interface Call {
  out: OutgoingCall;
  inc: IncomingCall;
  ok: SipMessage;
  callerDialog: Dialog;
  calleeDialog: Dialog;
  callerRtp: RtpPeer;
  calleeRtp: RtpPeer;
  /** Relay port the caller sends to (from the 200) and the one the callee sends to (from the INVITE). */
  callerRelayPort: number;
  calleeRelayPort: number;
}

/** INVITE with an offer from `callerRtp` (or `callerSdpPort`), 180, 200 with the callee's answer, ACK. */
async function establish(
  kit: Kit,
  pbx: Pbx,
  caller: SipPhone,
  callee: SipPhone,
  opts: { callerSdpPort?: number } = {},
): Promise<Call> {
  const callerRtp = await kit.rtp();
  const calleeRtp = await kit.rtp();
  const out = await caller.call(callee.user, pcmuSdp({ port: opts.callerSdpPort ?? callerRtp.port }));
  const inc = await callee.incoming(out.callId);
  const calleeRelayPort = assertAnchored(inc.sdp, pbx, callerRtp.port, 'offer to the callee').port;
  inc.ring(180, 'Ringing');
  await out.provisional(180);
  const acked = inc.answer(pcmuSdp({ port: calleeRtp.port }));
  const ok = await out.final();
  assert.equal(ok.status, 200, `call answered: ${ok.status} ${ok.reason}`);
  await acked;
  const callerRelayPort = assertAnchored(ok.body, pbx, calleeRtp.port, 'answer to the caller').port;
  return {
    out,
    inc,
    ok,
    callerDialog: out.dialog!,
    calleeDialog: inc.dialog!,
    callerRtp,
    calleeRtp,
    callerRelayPort,
    calleeRelayPort,
  };
}

/** The caller hangs up: BYE through the PBX, the callee answers 200, the caller gets it. */
async function hangUp(caller: SipPhone, callee: SipPhone, out: OutgoingCall): Promise<void> {
  const done = caller.bye(out.dialog!);
  const bye = await callee.inDialogRequest('BYE', out.callId);
  callee.respond(bye, 200, 'OK');
  assert.equal((await done).status, 200);
}

/** Ends a call a failed assertion left up, answering any BYE the PBX sent; bounded, never throws. */
async function hangUpQuietly(
  caller: SipPhone,
  callee: SipPhone,
  callId: string,
  dialog?: Dialog,
): Promise<void> {
  const isBye = (m: SipMessage): boolean => m.isRequest && m.method === 'BYE' && m.callId === callId;
  try {
    for (const phone of [caller, callee]) {
      for (let bye = await phone.maybe(isBye, 0); bye; bye = await phone.maybe(isBye, 0))
        phone.respond(bye, 200, 'OK');
    }
    const ended = [caller, callee].some((p) => p.log.some(isBye));
    if (!dialog || ended) return;
    const done = caller.bye(dialog, 1000);
    const bye = await callee.maybe(isBye, 1000);
    if (bye) callee.respond(bye, 200, 'OK');
    await done;
  } catch {
    /* best effort */
  }
}

/** The newest call record once it is the one for `callId` (records are written after media is released). */
async function recordOf(pbx: Pbx, callId: string): Promise<CdrView> {
  const end = Date.now() + 3000;
  for (;;) {
    const r = await pbx.engine.api<{ records: CdrView[] }>('GET', '/api/cdr?limit=1');
    const rec = r.body.records[0];
    if (rec?.callId === callId) return rec;
    if (Date.now() > end) throw new Error(`no call record for ${callId}; newest: ${JSON.stringify(rec)}`);
    await sleep(50);
  }
}

async function callsInProgress(pbx: Pbx): Promise<CallView[]> {
  return (await pbx.engine.api<CallView[]>('GET', '/api/calls')).body;
}

for (const relay of RELAYS)
  describe(`audio through the relay between scripted phones [${relay}]`, { timeout: 40_000 }, () => {
    let pbx: Pbx;
    const kit = new Kit();
    let caller: SipPhone;
    let callee: SipPhone;

    before(async () => {
      pbx = await startPbx(40, [], relay);
      caller = await kit.phone(pbx, CALLER);
      callee = await kit.phone(pbx, CALLEE);
    });
    after(async () => {
      kit.close();
      await stopPbx(pbx);
    });

    it('relays both directions: each phone is told the relay, and hears the other from the port it sends to', async () => {
      const c = await establish(kit, pbx, caller, callee);
      assert.notEqual(c.callerRelayPort, c.calleeRelayPort, 'one relay port facing each phone');
      await Promise.all([
        c.callerRtp.stream(c.callerRelayPort, 25),
        c.calleeRtp.stream(c.calleeRelayPort, 25),
      ]);
      assert.ok(await c.calleeRtp.waitFrom(c.callerRtp, 25, 2000), 'the callee got all the caller sent');
      assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 25, 2000), 'the caller got all the callee sent');
      const heardByCaller = c.callerRtp.from(c.calleeRtp);
      const heardByCallee = c.calleeRtp.from(c.callerRtp);
      // Symmetric RTP: each phone receives from exactly the relay address and port it sends to.
      assert.deepEqual(
        new Set(heardByCaller.map((p) => `${p.address}:${p.port}`)),
        new Set([`127.0.0.1:${c.callerRelayPort}`]),
      );
      assert.deepEqual(
        new Set(heardByCallee.map((p) => `${p.address}:${p.port}`)),
        new Set([`127.0.0.1:${c.calleeRelayPort}`]),
      );
      // Forwarded untouched: PCMU, 172 bytes, in order.
      for (const got of [heardByCaller, heardByCallee]) {
        assert.ok(got.every((p) => p.payloadType === 0 && p.size === 172));
        for (let i = 1; i < got.length; i++)
          assert.equal(got[i]!.seq, (got[i - 1]!.seq + 1) & 0xffff, 'sequence numbers in order');
      }
      await hangUp(caller, callee, c.out);
    });

    it('latches a caller behind NAT: audio reaches the socket it sends from, not the port its SDP names', async () => {
      // The SDP says port 9 (nothing listens there, as a private address behind NAT would be unreachable).
      const c = await establish(kit, pbx, caller, callee, { callerSdpPort: 9 });
      // Before the caller sent anything, the relay can only use the SDP: the callee's audio goes to port 9.
      await c.calleeRtp.stream(c.calleeRelayPort, 5);
      await sleep(100);
      assert.equal(
        c.callerRtp.from(c.calleeRtp).length,
        0,
        'nothing reaches the real socket before latching',
      );
      // The caller's first packets latch its real address; from then on the callee's audio reaches it.
      await c.callerRtp.stream(c.callerRelayPort, 3);
      assert.ok(await c.calleeRtp.waitFrom(c.callerRtp, 3, 1000), "the caller's packets reach the callee");
      const latchedAt = Date.now();
      await Promise.all([
        c.calleeRtp.stream(c.calleeRelayPort, 20),
        c.callerRtp.stream(c.callerRelayPort, 20),
      ]);
      assert.ok(
        await c.callerRtp.waitFrom(c.calleeRtp, 20, 2000, latchedAt),
        `the caller hears the callee after latching (got ${c.callerRtp.from(c.calleeRtp).length})`,
      );
      assert.ok(
        c.callerRtp.from(c.calleeRtp).every((p) => p.port === c.callerRelayPort),
        'from the relay port the caller sends to',
      );
      const live = (await callsInProgress(pbx)).find((x) => x.callId === c.out.callId);
      assert.equal(
        live?.media?.[0]?.callerToCallee.source,
        `127.0.0.1:${c.callerRtp.port}`,
        'latched source',
      );
      await hangUp(caller, callee, c.out);
    });

    it('carries early media: a 183 with SDP and audio before the 200, then the answered call goes on', async () => {
      const callerRtp = await kit.rtp();
      const calleeRtp = await kit.rtp();
      const out = await caller.call(callee.user, pcmuSdp({ port: callerRtp.port }));
      const inc = await callee.incoming(out.callId);
      const calleeRelayPort = assertAnchored(inc.sdp, pbx, callerRtp.port, 'offer to the callee').port;
      inc.ring(183, 'Session Progress', pcmuSdp({ port: calleeRtp.port }));
      const progress = await out.provisional(183);
      const callerRelayPort = assertAnchored(progress.body, pbx, calleeRtp.port, 'early answer').port;
      await calleeRtp.stream(calleeRelayPort, 15);
      assert.ok(
        await callerRtp.waitFrom(calleeRtp, 15, 2000),
        `the caller hears the early media (got ${callerRtp.from(calleeRtp).length})`,
      );
      const ringing = (await callsInProgress(pbx)).find((x) => x.callId === out.callId);
      assert.equal(ringing?.state, 'ringing', 'heard while the call is still ringing');
      assert.ok(callerRtp.from(calleeRtp).every((p) => p.port === callerRelayPort));
      const acked = inc.answer(pcmuSdp({ port: calleeRtp.port, version: 2 }));
      const ok = await out.final();
      assert.equal(ok.status, 200);
      await acked;
      assert.equal(sdpAudio(ok.body).port, callerRelayPort, 'the 200 keeps the early-media relay port');
      const answeredAt = Date.now();
      await Promise.all([callerRtp.stream(callerRelayPort, 15), calleeRtp.stream(calleeRelayPort, 15)]);
      assert.ok(await callerRtp.waitFrom(calleeRtp, 15, 2000, answeredAt), 'callee → caller after the 200');
      assert.ok(await calleeRtp.waitFrom(callerRtp, 15, 2000, answeredAt), 'caller → callee after the 200');
      await hangUp(caller, callee, out);
    });

    it('puts a call on hold and resumes it with re-INVITEs, keeping the relay ports', async () => {
      const c = await establish(kit, pbx, caller, callee);
      await Promise.all([c.callerRtp.stream(c.callerRelayPort, 5), c.calleeRtp.stream(c.calleeRelayPort, 5)]);
      assert.ok(await c.calleeRtp.waitFrom(c.callerRtp, 5, 1000));
      assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 5, 1000));

      // Hold: the caller offers sendonly.
      const held = caller.reinvite(
        c.callerDialog,
        pcmuSdp({ port: c.callerRtp.port, direction: 'sendonly', version: 2 }),
      );
      const reHold = await callee.inDialogRequest('INVITE', c.out.callId);
      const holdOffer = sdpAudio(reHold.body);
      assert.equal(holdOffer.address, '127.0.0.1', 'the hold offer still points at the relay');
      assert.equal(holdOffer.port, c.calleeRelayPort, 'the same relay port as before');
      assert.equal(holdOffer.direction, 'sendonly');
      await callee.answerReinvite(
        reHold,
        pcmuSdp({ port: c.calleeRtp.port, direction: 'recvonly', version: 2 }),
      );
      const holdAnswer = await held;
      assert.equal(holdAnswer.status, 200);
      assert.equal(sdpAudio(holdAnswer.body).direction, 'recvonly', 'the callee agreed to the hold');
      assert.equal(sdpAudio(holdAnswer.body).port, c.callerRelayPort, 'the same relay port as before');
      // Music on hold: the holding side may still send.
      const holdAt = Date.now();
      await c.callerRtp.stream(c.callerRelayPort, 10);
      assert.ok(
        await c.calleeRtp.waitFrom(c.callerRtp, 10, 1000, holdAt),
        'sendonly audio still reaches the callee',
      );

      // Resume: sendrecv again.
      const resumed = caller.reinvite(
        c.callerDialog,
        pcmuSdp({ port: c.callerRtp.port, direction: 'sendrecv', version: 3 }),
      );
      const reResume = await callee.inDialogRequest('INVITE', c.out.callId);
      const resumeOffer = sdpAudio(reResume.body);
      assert.equal(resumeOffer.direction, 'sendrecv');
      assert.equal(resumeOffer.port, c.calleeRelayPort);
      await callee.answerReinvite(
        reResume,
        pcmuSdp({ port: c.calleeRtp.port, direction: 'sendrecv', version: 3 }),
      );
      const resumeAnswer = await resumed;
      assert.equal(resumeAnswer.status, 200);
      assert.equal(sdpAudio(resumeAnswer.body).direction, 'sendrecv');
      assert.equal(sdpAudio(resumeAnswer.body).port, c.callerRelayPort);

      const resumedAt = Date.now();
      await Promise.all([
        c.callerRtp.stream(c.callerRelayPort, 15),
        c.calleeRtp.stream(c.calleeRelayPort, 15),
      ]);
      assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 15, 2000, resumedAt), 'callee → caller after resume');
      assert.ok(await c.calleeRtp.waitFrom(c.callerRtp, 15, 2000, resumedAt), 'caller → callee after resume');
      assert.ok(c.callerRtp.from(c.calleeRtp).every((p) => p.port === c.callerRelayPort));
      assert.ok(c.calleeRtp.from(c.callerRtp).every((p) => p.port === c.calleeRelayPort));
      await hangUp(caller, callee, c.out);
    });

    it('leaves the call as it was when the callee refuses a hold re-INVITE (488): audio still flows both ways', async () => {
      const c = await establish(kit, pbx, caller, callee);
      try {
        await Promise.all([
          c.callerRtp.stream(c.callerRelayPort, 5),
          c.calleeRtp.stream(c.calleeRelayPort, 5),
        ]);
        assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 5, 1000));
        const hold = caller.reinvite(
          c.callerDialog,
          pcmuSdp({ port: c.callerRtp.port, address: '0.0.0.0', version: 2 }),
        );
        const re = await callee.inDialogRequest('INVITE', c.out.callId);
        assert.equal(sdpAudio(re.body).address, '0.0.0.0', 'the hold reaches the callee');
        callee.respond(re, 488, 'Not Acceptable Here');
        assert.equal((await hold).status, 488);
        const refusedAt = Date.now();
        await Promise.all([
          c.callerRtp.stream(c.callerRelayPort, 15),
          c.calleeRtp.stream(c.calleeRelayPort, 15),
        ]);
        assert.ok(
          await c.calleeRtp.waitFrom(c.callerRtp, 15, 1500, refusedAt),
          `caller → callee after the refused hold (got ${c.calleeRtp.from(c.callerRtp, refusedAt).length})`,
        );
        assert.ok(
          await c.callerRtp.waitFrom(c.calleeRtp, 15, 1500, refusedAt),
          `callee → caller after the refused hold (got ${c.callerRtp.from(c.calleeRtp, refusedAt).length} of 15)`,
        );
      } finally {
        await hangUpQuietly(caller, callee, c.out.callId, c.callerDialog);
      }
    });

    it("anchors a late offer: no SDP in the INVITE, the offer in the callee's 200 and the answer in the ACK", async () => {
      const callerRtp = await kit.rtp();
      const calleeRtp = await kit.rtp();
      const out = await caller.call(callee.user);
      const inc = await callee.incoming(out.callId);
      assert.equal(inc.sdp, '', 'the INVITE reaches the callee without an offer');
      const acked = inc.answer(pcmuSdp({ port: calleeRtp.port }));
      const ok = await out.final(3000, pcmuSdp({ port: callerRtp.port }));
      assert.equal(ok.status, 200);
      const callerRelayPort = assertAnchored(ok.body, pbx, calleeRtp.port, 'the offer in the 200').port;
      const ack = await acked;
      const calleeRelayPort = assertAnchored(ack.body, pbx, callerRtp.port, 'the answer in the ACK').port;
      try {
        await Promise.all([callerRtp.stream(callerRelayPort, 15), calleeRtp.stream(calleeRelayPort, 15)]);
        assert.ok(await callerRtp.waitFrom(calleeRtp, 15, 2000), 'callee → caller');
        assert.ok(await calleeRtp.waitFrom(callerRtp, 15, 2000), 'caller → callee');
        assert.ok(callerRtp.from(calleeRtp).every((p) => p.port === callerRelayPort));
        assert.ok(calleeRtp.from(callerRtp).every((p) => p.port === calleeRelayPort));
        await hangUp(caller, callee, out);
      } finally {
        await hangUpQuietly(caller, callee, out.callId, out.dialog);
      }
    });

    it('anchors UPDATE offers in the call (RFC 3311): hold and resume by UPDATE keep the relay ports', async () => {
      const c = await establish(kit, pbx, caller, callee);
      try {
        /** The caller sends an UPDATE with `direction`; the callee answers with `reply`; both see the relay. */
        const update = async (
          direction: 'sendonly' | 'sendrecv',
          reply: 'recvonly' | 'sendrecv',
          version: number,
        ): Promise<void> => {
          const sent = caller.sendInDialog(c.callerDialog, 'UPDATE', {
            body: pcmuSdp({ port: c.callerRtp.port, direction, version }),
          });
          const got = await callee.inDialogRequest('UPDATE', c.out.callId);
          assert.deepEqual(sdpAudio(got.body), { address: '127.0.0.1', port: c.calleeRelayPort, direction });
          callee.respond(got, 200, 'OK', {
            body: pcmuSdp({ port: c.calleeRtp.port, direction: reply, version }),
          });
          const res = await caller.waitFor(
            `the 200 to UPDATE ${sent.cseq}`,
            (m) =>
              !m.isRequest &&
              m.callId === c.out.callId &&
              m.method === 'UPDATE' &&
              m.cseq === sent.cseq &&
              m.status >= 200,
          );
          assert.equal(res.status, 200);
          assert.deepEqual(sdpAudio(res.body), {
            address: '127.0.0.1',
            port: c.callerRelayPort,
            direction: reply,
          });
        };
        await update('sendonly', 'recvonly', 2);
        const heldAt = Date.now();
        await c.callerRtp.stream(c.callerRelayPort, 10);
        assert.ok(
          await c.calleeRtp.waitFrom(c.callerRtp, 10, 1500, heldAt),
          'sendonly audio reaches the callee',
        );
        await update('sendrecv', 'sendrecv', 3);
        const resumedAt = Date.now();
        await Promise.all([
          c.callerRtp.stream(c.callerRelayPort, 15),
          c.calleeRtp.stream(c.calleeRelayPort, 15),
        ]);
        assert.ok(
          await c.callerRtp.waitFrom(c.calleeRtp, 15, 2000, resumedAt),
          'callee → caller after resume',
        );
        assert.ok(
          await c.calleeRtp.waitFrom(c.callerRtp, 15, 2000, resumedAt),
          'caller → callee after resume',
        );
        await hangUp(caller, callee, c.out);
      } finally {
        await hangUpQuietly(caller, callee, c.out.callId, c.callerDialog);
      }
    });

    it("records the call's packets per direction in GET /api/cdr", async () => {
      const c = await establish(kit, pbx, caller, callee);
      await Promise.all([
        c.callerRtp.stream(c.callerRelayPort, 20),
        c.calleeRtp.stream(c.calleeRelayPort, 15),
      ]);
      assert.ok(await c.calleeRtp.waitFrom(c.callerRtp, 20, 2000));
      assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 15, 2000));
      await hangUp(caller, callee, c.out);
      const rec = await recordOf(pbx, c.out.callId);
      assert.equal(rec.disposition, 'ANSWERED');
      assert.match(rec.endReason ?? '', /caller hung up/);
      const m = rec.media?.[0];
      assert.ok(m, `the record has media statistics: ${JSON.stringify(rec)}`);
      assert.match(m.codec ?? '', /PCMU/i);
      assert.ok(m.callerToCallee.packets > 0 && m.callerToCallee.packets <= 20, JSON.stringify(m));
      assert.ok(m.calleeToCaller.packets > 0 && m.calleeToCaller.packets <= 15, JSON.stringify(m));
      assert.deepEqual(await callsInProgress(pbx), []);
      // The built-in relay measures loss and jitter from every packet; rtpengine only from RTCP reports,
      // which these phones do not send: the record says so rather than claiming 0% loss.
      const measured = relay === 'builtin';
      for (const d of [m.callerToCallee, m.calleeToCaller])
        assert.equal(d.qualityMeasured !== false, measured, JSON.stringify(d));
      assert.equal(m.callerToCallee.lost, 0);

      // And the console's call page shows it that way, in Chromium.
      const browser = await launchBrowser();
      try {
        const { page } = await openConsole(browser, pbx.engine.baseUrl);
        await logInAt(page, `/calls/${rec.id}`, pbx.engine.password, `Call from ${CALLER.user}`, false);
        const rows = page.getByRole('row').filter({ hasText: ' → ' });
        await rows.first().waitFor();
        const texts = await rows.allInnerTexts();
        assert.equal(texts.length, 2, texts.join(' | '));
        for (const t of texts) {
          if (measured) assert.match(t, /\t0%\t\d+\.\d ms\t/, `loss and jitter shown: ${t}`);
          else assert.match(t, /\tnot measured\t/, t);
        }
        if (!measured)
          await page.getByText(/rtpengine, which takes them only from the phones’ RTCP reports/).waitFor();
        await screenshot(page, `media-call-detail-${relay}`);
      } finally {
        await browser.close();
      }
    });
  });

describe('a port range with room for exactly one call', { timeout: 90_000 }, () => {
  let pbx: Pbx;
  const kit = new Kit();
  let caller: SipPhone;
  let callee: SipPhone;

  before(async () => {
    // A call holds one RTP/RTCP pair facing each phone: 4 ports, 2 pairs.
    pbx = await startPbx(4);
    caller = await kit.phone(pbx, CALLER);
    callee = await kit.phone(pbx, CALLEE);
  });
  after(async () => {
    kit.close();
    await stopPbx(pbx);
  });

  /** The callee gets the INVITE, or the test fails with what the caller got instead. */
  async function reachCallee(out: OutgoingCall, what: string): Promise<IncomingCall> {
    const got = await callee.maybe(
      (m) => m.isRequest && m.method === 'INVITE' && m.callId === out.callId,
      3000,
    );
    if (got) return new IncomingCall(callee, got);
    const f = await out.final(1000).catch(() => undefined);
    assert.fail(`${what}: the INVITE did not reach the callee; the caller got ${f?.status} ${f?.reason}`);
  }

  it('gives the ports back after cancelled and refused attempts: ten INVITE+CANCEL, then 486s, all reach the callee', async () => {
    const rtp = await kit.rtp();
    for (let i = 0; i < 10; i++) {
      const out = await caller.call(callee.user, pcmuSdp({ port: rtp.port }));
      const inc = await reachCallee(out, `cancel cycle ${i + 1}`);
      assert.ok(inc.sdp.includes('m=audio'));
      inc.ring(180, 'Ringing');
      await out.provisional(180);
      out.cancel();
      const cancelled = await caller.waitFor(
        'the 200 for CANCEL',
        (m) => !m.isRequest && m.method === 'CANCEL' && m.callId === out.callId,
      );
      assert.equal(cancelled.status, 200);
      assert.equal((await out.final()).status, 487, `cycle ${i + 1}: 487 Request Terminated`);
    }
    for (let i = 0; i < 3; i++) {
      const out = await caller.call(callee.user, pcmuSdp({ port: rtp.port }));
      const inc = await reachCallee(out, `busy cycle ${i + 1}`);
      inc.reject(486, 'Busy Here');
      assert.equal((await out.final()).status, 486);
    }
    // And a call that is answered still gets both pairs.
    const c = await establish(kit, pbx, caller, callee);
    await Promise.all([c.callerRtp.stream(c.callerRelayPort, 5), c.calleeRtp.stream(c.calleeRelayPort, 5)]);
    assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 5, 1000));
    await hangUp(caller, callee, c.out);
    assert.deepEqual(await callsInProgress(pbx), []);
  });

  it('has the ports back by the time the failure reaches the caller: redialling at once with cached credentials gets through', async () => {
    const rtp = await kit.rtp();
    let out = await caller.call(callee.user, pcmuSdp({ port: rtp.port })); // challenged: credentials cached
    for (let i = 1; i <= 10; i++) {
      const inc = await reachCallee(out, `attempt ${i} (redialled as soon as the 486 arrived)`);
      inc.reject(486, 'Busy Here');
      assert.equal((await out.final()).status, 486);
      if (i < 10)
        out = await caller.call(callee.user, pcmuSdp({ port: rtp.port }), { cachedCredentials: true });
    }
  });

  it(
    'gives the ports back when the callee never answers and its INVITE transaction times out',
    { timeout: 60_000 },
    async () => {
      const rtp = await kit.rtp();
      const out = await caller.call(callee.user, pcmuSdp({ port: rtp.port }));
      await reachCallee(out, 'the unanswered call'); // and the callee's phone stays silent: no 100, no 180
      // Timer B (64 × T1 = 32 s, RFC 3261 §17.1.1.2) or the user's ring time gives up on the silent branch.
      const failed = await out.final(40_000);
      assert.ok(
        failed.status === 408 || failed.status === 480,
        `a timeout: ${failed.status} ${failed.reason}`,
      );
      // The relay's two pairs are free again: a call straight after gets both and carries audio.
      const c = await establish(kit, pbx, caller, callee);
      await Promise.all([c.callerRtp.stream(c.callerRelayPort, 5), c.calleeRtp.stream(c.calleeRelayPort, 5)]);
      assert.ok(await c.callerRtp.waitFrom(c.calleeRtp, 5, 1000));
      assert.ok(await c.calleeRtp.waitFrom(c.callerRtp, 5, 1000));
      await hangUp(caller, callee, c.out);
    },
  );

  it('refuses a second call with 503 while the first holds the ports, and takes calls again after hang-up', async () => {
    const first = await establish(kit, pbx, caller, callee);
    const rtp = await kit.rtp();
    const second = await caller.call(callee.user, pcmuSdp({ port: rtp.port }));
    const refused = await second.final();
    assert.equal(refused.status, 503);
    assert.match(refused.reason, /media ports/i);
    assert.equal(
      await callee.maybe((m) => m.isRequest && m.callId === second.callId, 300),
      undefined,
      'the refused call never rang the callee',
    );
    await hangUp(caller, callee, first.out);
    const third = await establish(kit, pbx, caller, callee);
    await Promise.all([
      third.callerRtp.stream(third.callerRelayPort, 5),
      third.calleeRtp.stream(third.calleeRelayPort, 5),
    ]);
    assert.ok(await third.callerRtp.waitFrom(third.calleeRtp, 5, 1000));
    assert.ok(await third.calleeRtp.waitFrom(third.callerRtp, 5, 1000));
    await hangUp(caller, callee, third.out);
  });
});

for (const relay of RELAYS)
  describe(`media timeout (--media-timeout 2) [${relay}]`, { timeout: 30_000 }, () => {
    let pbx: Pbx;
    const kit = new Kit();
    let caller: SipPhone;
    let callee: SipPhone;

    before(async () => {
      pbx = await startPbx(20, ['--media-timeout', '2'], relay);
      caller = await kit.phone(pbx, CALLER);
      callee = await kit.phone(pbx, CALLEE);
    });
    after(async () => {
      kit.close();
      await stopPbx(pbx);
    });

    it('ends an answered call without audio: a BYE with a Reason to each phone, recorded as a media timeout', async () => {
      const c = await establish(kit, pbx, caller, callee);
      const answeredAt = Date.now();
      const [toCaller, toCallee] = await Promise.all([
        caller.inDialogRequest('BYE', c.out.callId, 6000),
        callee.inDialogRequest('BYE', c.out.callId, 6000),
      ]);
      const elapsed = Date.now() - answeredAt;
      caller.respond(toCaller, 200, 'OK');
      callee.respond(toCallee, 200, 'OK');
      assert.ok(elapsed >= 1500, `not before the timeout (${elapsed} ms)`);
      assert.ok(elapsed <= 6000, `within ~6 s (${elapsed} ms)`);
      for (const bye of [toCaller, toCallee]) assert.match(bye.header('reason') ?? '', /media timeout/i);
      // Each BYE belongs to the dialog as that phone knows it.
      assert.equal(tagOf(toCallee.header('to') ?? ''), tagOf(c.calleeDialog.local));
      assert.equal(tagOf(toCallee.header('from') ?? ''), tagOf(c.calleeDialog.remote));
      assert.equal(tagOf(toCaller.header('to') ?? ''), tagOf(c.callerDialog.local));
      assert.equal(tagOf(toCaller.header('from') ?? ''), tagOf(c.callerDialog.remote));
      const rec = await recordOf(pbx, c.out.callId);
      assert.equal(rec.disposition, 'ANSWERED');
      assert.match(rec.endReason ?? '', /media timeout/i);
      assert.deepEqual(await callsInProgress(pbx), []);
    });

    it('does not count ringing time: a call ringing silently with early-media SDP longer than the timeout keeps its media', async () => {
      const callerRtp = await kit.rtp();
      const calleeRtp = await kit.rtp();
      const out = await caller.call(callee.user, pcmuSdp({ port: callerRtp.port }));
      try {
        const inc = await callee.incoming(out.callId);
        const calleeRelayPort = assertAnchored(inc.sdp, pbx, callerRtp.port, 'offer to the callee').port;
        // A phone that sends SDP in its 183 but no early media (the caller plays its own ringback).
        inc.ring(183, 'Session Progress', pcmuSdp({ port: calleeRtp.port }));
        const progress = await out.provisional(183);
        const earlyPort = assertAnchored(progress.body, pbx, calleeRtp.port, 'early answer').port;
        await sleep(3500); // rings longer than --media-timeout 2 (+ the relay's 500 ms check)
        const acked = inc.answer(pcmuSdp({ port: calleeRtp.port, version: 2 }));
        const ok = await out.final();
        assert.equal(ok.status, 200);
        await acked;
        const callerRelayPort = assertAnchored(
          ok.body,
          pbx,
          calleeRtp.port,
          'the 200 after a long ring',
        ).port;
        assert.equal(callerRelayPort, earlyPort, 'the relay port of the 183');
        const answeredAt = Date.now();
        await Promise.all([callerRtp.stream(callerRelayPort, 10), calleeRtp.stream(calleeRelayPort, 10)]);
        assert.ok(
          await callerRtp.waitFrom(calleeRtp, 10, 1500, answeredAt),
          'callee → caller after the answer',
        );
        assert.ok(
          await calleeRtp.waitFrom(callerRtp, 10, 1500, answeredAt),
          'caller → callee after the answer',
        );
        const live = (await callsInProgress(pbx)).find((x) => x.callId === out.callId);
        assert.ok((live?.media?.[0]?.callerToCallee.packets ?? 0) >= 10, 'the relay counts the packets');
      } finally {
        await hangUpQuietly(caller, callee, out.callId, out.dialog);
      }
    });

    it('does not end a call on hold: sendonly/recvonly (RFC 3264 §8.4) and silent longer than the timeout', async () => {
      const c = await establish(kit, pbx, caller, callee);
      try {
        await Promise.all([
          c.callerRtp.stream(c.callerRelayPort, 5),
          c.calleeRtp.stream(c.calleeRelayPort, 5),
        ]);
        const held = caller.reinvite(
          c.callerDialog,
          pcmuSdp({ port: c.callerRtp.port, direction: 'sendonly', version: 2 }),
        );
        const re = await callee.inDialogRequest('INVITE', c.out.callId);
        await callee.answerReinvite(
          re,
          pcmuSdp({ port: c.calleeRtp.port, direction: 'recvonly', version: 2 }),
        );
        assert.equal((await held).status, 200);
        // On hold, nobody sends, for longer than the timeout.
        const bye = await callee.maybe(
          (m) => m.isRequest && m.method === 'BYE' && m.callId === c.out.callId,
          3500,
        );
        assert.ok(!bye, `no BYE while the call is on hold; got one with Reason: ${bye?.header('reason')}`);
        const resumed = caller.reinvite(c.callerDialog, pcmuSdp({ port: c.callerRtp.port, version: 3 }));
        const re2 = await callee.inDialogRequest('INVITE', c.out.callId);
        await callee.answerReinvite(re2, pcmuSdp({ port: c.calleeRtp.port, version: 3 }));
        assert.equal((await resumed).status, 200);
        await hangUp(caller, callee, c.out);
      } finally {
        await hangUpQuietly(caller, callee, c.out.callId, c.callerDialog);
      }
    });
  });
