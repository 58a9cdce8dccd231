/**
 * RtpengineDriver against a real rtpengine (userspace) on loopback: ping, offer/answer SDP rewriting, real
 * RTP both ways through it, query/delete statistics, re-offers from the callee, late offers, errors and
 * timeouts. Needs the Debian package rtpengine-daemon; without it every test fails with that message.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { RelayError } from '../../../engine/media/relay-driver.js';
import { hashCallId } from '../../../engine/media/rtpengine/ng-client.js';
import { RtpengineDriver } from '../../../engine/media/rtpengine/rtpengine-driver.js';
import { freePort } from '../../support/ports.js';
import {
  mediaTarget,
  phone,
  requireRtpengine,
  RTP_PACKET_BYTES,
  RTPENGINE_PACKAGE,
  sdpFor,
  startRtpengine,
  waitFor,
  type Phone,
  type Rtpengine,
} from './rtpengine-harness.js';

let engine: Rtpengine;
let driver: RtpengineDriver;
const phones: Phone[] = [];
let n = 0;
const newCallId = (): string => `call-${process.pid}-${Date.now()}-${++n}@officepbx.test`;

async function newPhone(ssrc: number, address?: string): Promise<Phone> {
  const p = await phone(ssrc, address);
  phones.push(p);
  return p;
}

function assertRelayed(sdp: string): { address: string; port: number } {
  const t = mediaTarget(sdp);
  assert.equal(t.address, '127.0.0.1', sdp);
  assert.ok(
    t.port >= engine.portMin && t.port <= engine.portMax,
    `port ${t.port} outside ${engine.portMin}-${engine.portMax}`,
  );
  return t;
}

/** Sets up caller A → callee B through rtpengine; returns the ports each side must send to. */
async function establish(
  callId: string,
  a: Phone,
  b: Phone,
): Promise<{ toCallee: number; toCaller: number; offer: string; answer: string }> {
  const offer = await driver.offer({
    callId,
    fromTag: 'caller-tag',
    sdp: sdpFor(a.port),
    from: 'caller',
    signallingAddress: '127.0.0.1:5062',
  });
  const answer = await driver.answer({
    callId,
    fromTag: 'caller-tag',
    toTag: 'callee-tag',
    sdp: sdpFor(b.port),
    from: 'callee',
    signallingAddress: '127.0.0.1:5064',
  });
  // The callee got the rewritten offer: it sends to the port in it; the caller to the one in the answer.
  return { toCallee: assertRelayed(answer).port, toCaller: assertRelayed(offer).port, offer, answer };
}

// Fails (rather than only cancelling the suite below) when the binary is missing, with the package to install.
it(`rtpengine is installed (Debian package ${RTPENGINE_PACKAGE})`, () => requireRtpengine());

describe('RtpengineDriver against a real rtpengine', () => {
  before(async () => {
    engine = await startRtpengine();
    driver = new RtpengineDriver({ servers: engine.ng });
  });

  after(async () => {
    await Promise.all(phones.map((p) => p.close()));
    await driver?.close();
    await engine?.stop();
  });

  it('pings', async () => {
    const [r] = await driver.ping();
    assert.equal(r?.ok, true, r?.error);
    assert.equal(r?.server, engine.ng);
  });

  it('offer rewrites o=, c= and m= to rtpengine on 127.0.0.1 and strips ICE', async () => {
    const callId = newCallId();
    const ice =
      'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\na=candidate:1 1 UDP 2130706431 127.0.0.5 4000 typ host\r\n';
    const out = await driver.offer({
      callId,
      fromTag: 'ft1',
      sdp: sdpFor(4000, '127.0.0.5', ice),
      from: 'caller',
      signallingAddress: '127.0.0.5:5060',
    });
    assertRelayed(out);
    assert.match(out, /^o=phone 4242 \d+ IN IP4 127\.0\.0\.1\r$/m);
    assert.doesNotMatch(out, /127\.0\.0\.5/);
    assert.doesNotMatch(out, /a=(ice-|candidate)/);
    assert.match(out, /a=rtpmap:0 PCMU\/8000/);
    assert.ok(await driver.delete({ callId, fromTag: 'ft1' }));
  });

  it('relays RTP both ways; query counts it; delete returns the stats and frees the call', async () => {
    const callId = newCallId();
    const a = await newPhone(0x1111);
    const b = await newPhone(0x2222);
    const { toCallee, toCaller } = await establish(callId, a, b);
    assert.notEqual(toCallee, toCaller);

    const sent = 60;
    await Promise.all([a.send(toCallee, sent), b.send(toCaller, sent)]);
    assert.ok(
      await waitFor(
        () => a.receivedFrom(0x2222).length >= sent && b.receivedFrom(0x1111).length >= sent,
        2000,
      ),
    );
    const atB = b.receivedFrom(0x1111);
    const atA = a.receivedFrom(0x2222);
    assert.deepEqual(atB, [...Array(sent).keys()], 'callee receives the caller’s packets in order');
    assert.deepEqual(atA, [...Array(sent).keys()], 'caller receives the callee’s packets in order');

    const q = await driver.query(callId);
    assert.ok(q);
    assert.equal(q.callId, callId);
    assert.equal(q.streams.length, 1);
    const s = q.streams[0]!;
    assert.equal(s.index, 0);
    assert.equal(s.media, 'audio');
    assert.equal(s.codec, 'PCMU/8000');
    assert.equal(s.callerToCallee.packets, sent);
    assert.equal(s.callerToCallee.bytes, sent * RTP_PACKET_BYTES);
    assert.equal(s.callerToCallee.source, `127.0.0.1:${a.port}`);
    assert.equal(s.calleeToCaller.packets, sent);
    assert.equal(s.calleeToCaller.bytes, sent * RTP_PACKET_BYTES);
    assert.equal(s.calleeToCaller.source, `127.0.0.1:${b.port}`);
    assert.equal(s.callerToCallee.lost, 0);
    assert.ok(q.idleMs >= 0 && q.idleMs < 3000, `idleMs ${q.idleMs}`);

    const final = await driver.delete({ callId, fromTag: 'caller-tag', toTag: 'callee-tag' });
    assert.ok(final);
    assert.equal(final.streams[0]?.callerToCallee.packets, sent);
    assert.equal(final.streams[0]?.calleeToCaller.packets, sent);
    assert.equal(await driver.query(callId), undefined, 'the call is gone at once (delete-delay 0)');
    // Its media ports are closed: we can bind them ourselves.
    for (const port of [toCallee, toCaller]) {
      const s2 = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s2.once('error', reject);
        s2.bind(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((resolve) => s2.close(() => resolve()));
    }
    assert.equal(
      await driver.delete({ callId, fromTag: 'caller-tag' }),
      undefined,
      'deleting twice is harmless',
    );
  });

  it('a re-offer from the callee (re-INVITE) swaps the tags and media follows the new description', async () => {
    const callId = newCallId();
    const a = await newPhone(0x3333);
    const b = await newPhone(0x4444);
    await establish(callId, a, b);
    // The callee moves its media to a new socket and re-offers; the caller answers.
    const b2 = await newPhone(0x5555);
    const reoffer = await driver.offer({
      callId,
      fromTag: 'caller-tag',
      toTag: 'callee-tag',
      sdp: sdpFor(b2.port).replace('o=phone 4242 1', 'o=phone 4242 2'),
      from: 'callee',
      signallingAddress: '127.0.0.1:5064',
    });
    const reanswer = await driver.answer({
      callId,
      fromTag: 'caller-tag',
      toTag: 'callee-tag',
      sdp: sdpFor(a.port).replace('o=phone 4242 1', 'o=phone 4242 2'),
      from: 'caller',
      signallingAddress: '127.0.0.1:5062',
    });
    // The re-offer went to the caller: it names the port the caller sends to. The answer went to the
    // callee: it names the port the callee (now B2) sends to.
    const callerSendsTo = assertRelayed(reoffer).port;
    const calleeSendsTo = assertRelayed(reanswer).port;
    await Promise.all([a.send(callerSendsTo, 30), b2.send(calleeSendsTo, 30)]);
    assert.ok(
      await waitFor(() => b2.receivedFrom(0x3333).length >= 30 && a.receivedFrom(0x5555).length >= 30, 2000),
      `b2 got ${b2.receivedFrom(0x3333).length}, a got ${a.receivedFrom(0x5555).length}`,
    );
    const q = await driver.query(callId);
    assert.equal(q?.streams[0]?.callerToCallee.packets, 30);
    assert.equal(q?.streams[0]?.calleeToCaller.packets, 30);
    assert.equal(q?.streams[0]?.calleeToCaller.source, `127.0.0.1:${b2.port}`);
    assert.ok(await driver.delete({ callId, fromTag: 'caller-tag', toTag: 'callee-tag' }));
  });

  it('a late offer (in the callee’s 200) answered in the ACK relays media', async () => {
    const callId = newCallId();
    const a = await newPhone(0x6666);
    const b = await newPhone(0x7777);
    const offer = await driver.offer({
      callId,
      fromTag: 'caller-tag',
      toTag: 'callee-tag',
      sdp: sdpFor(b.port),
      from: 'callee',
      signallingAddress: '127.0.0.1:5064',
    });
    const answer = await driver.answer({
      callId,
      fromTag: 'caller-tag',
      toTag: 'callee-tag',
      sdp: sdpFor(a.port),
      from: 'caller',
      signallingAddress: '127.0.0.1:5062',
    });
    const aSendsTo = assertRelayed(offer).port; // the offer went to the caller
    const bSendsTo = assertRelayed(answer).port;
    await Promise.all([a.send(aSendsTo, 20), b.send(bSendsTo, 25)]);
    assert.ok(
      await waitFor(() => b.receivedFrom(0x6666).length >= 20 && a.receivedFrom(0x7777).length >= 25, 2000),
    );
    const final = await driver.delete({ callId, fromTag: 'caller-tag', toTag: 'callee-tag' });
    assert.equal(final?.streams[0]?.callerToCallee.packets, 20);
    assert.equal(final?.streams[0]?.calleeToCaller.packets, 25);
    assert.equal(await driver.query(callId), undefined);
  });

  it('latches onto the real source of a phone behind NAT (SDP names another address)', async () => {
    const callId = newCallId();
    const a = await newPhone(0x8888); // really sends from 127.0.0.1:<a.port>
    const b = await newPhone(0x9999);
    const offer = await driver.offer({
      callId,
      fromTag: 'nat-caller',
      sdp: sdpFor(40000, '127.0.0.2'), // what a phone behind NAT would write: its private address
      from: 'caller',
      signallingAddress: '127.0.0.1:5062',
    });
    const answer = await driver.answer({
      callId,
      fromTag: 'nat-caller',
      toTag: 'nat-callee',
      sdp: sdpFor(b.port),
      from: 'callee',
      signallingAddress: '127.0.0.1:5064',
    });
    await a.send(mediaTarget(answer).port, 5); // the caller speaks first: rtpengine learns its address
    await b.send(mediaTarget(offer).port, 20);
    assert.ok(
      await waitFor(() => a.receivedFrom(0x9999).length >= 20, 2000),
      `a got ${a.receivedFrom(0x9999).length}`,
    );
    const q = await driver.query(callId);
    assert.equal(q?.streams[0]?.callerToCallee.source, `127.0.0.1:${a.port}`);
    await driver.delete({ callId, fromTag: 'nat-caller', toTag: 'nat-callee' });
  });

  it('with sipSourceAddress it sends to the signalling address instead of the SDP one', async () => {
    const d2 = new RtpengineDriver({ servers: engine.ng, sipSourceAddress: true });
    const callId = newCallId();
    try {
      await d2.offer({
        callId,
        fromTag: 'ss-caller',
        sdp: sdpFor(40002, '127.0.0.2'),
        from: 'caller',
        signallingAddress: '127.0.0.1:5062',
      });
      const raw = await d2.queryRaw(callId);
      const text = JSON.stringify(raw);
      assert.match(text, /"endpoint":\{[^}]*"address":"127\.0\.0\.1"[^}]*"port":40002/, text);
    } finally {
      await d2.delete({ callId, fromTag: 'ss-caller' });
      await d2.close();
    }
  });

  it('errors: answer for an unknown call → RelayError 503; unusable SDP → RelayError 488', async () => {
    await assert.rejects(
      driver.answer({
        callId: 'no-such-call@officepbx.test',
        fromTag: 'x',
        toTag: 'y',
        sdp: sdpFor(4000),
        from: 'callee',
        signallingAddress: '127.0.0.1',
      }),
      (err: unknown) => {
        assert.ok(err instanceof RelayError);
        assert.equal(err.sipStatus, 503);
        assert.match(err.message, /unknown call-id/i);
        return true;
      },
    );
    await assert.rejects(
      driver.offer({
        callId: newCallId(),
        fromTag: 'x',
        sdp: 'this is not SDP',
        from: 'caller',
        signallingAddress: '127.0.0.1',
      }),
      (err: unknown) => err instanceof RelayError && err.sipStatus === 488 && /SDP/.test(err.message),
    );
    await assert.rejects(
      driver.offer({
        callId: newCallId(),
        fromTag: 'x',
        sdp: 'v=0\r\nm=audio 1 RTP/AVP 0\r\n',
        from: 'caller',
        signallingAddress: '127.0.0.1',
      }),
      (err: unknown) => err instanceof RelayError && err.sipStatus === 488,
    );
    assert.equal(await driver.query('no-such-call@officepbx.test'), undefined);
  });

  it('reports a call whose media went idle via onMediaTimeout', async () => {
    const d2 = new RtpengineDriver({ servers: engine.ng, mediaTimeoutMs: 1500, pollIntervalMs: 200 });
    const timedOut: string[] = [];
    d2.onMediaTimeout = (id) => timedOut.push(id);
    const callId = newCallId();
    try {
      await d2.offer({
        callId,
        fromTag: 'idle-a',
        sdp: sdpFor(40004),
        from: 'caller',
        signallingAddress: '127.0.0.1',
      });
      await d2.answer({
        callId,
        fromTag: 'idle-a',
        toTag: 'idle-b',
        sdp: sdpFor(40006),
        from: 'callee',
        signallingAddress: '127.0.0.1',
      });
      assert.ok(await waitFor(() => timedOut.length > 0, 4000), 'onMediaTimeout fired');
      assert.deepEqual(timedOut, [callId]);
    } finally {
      await d2.delete({ callId, fromTag: 'idle-a', toTag: 'idle-b' });
      await d2.close();
    }
  });

  it('does not report ringing (a 183 answer) or a call on hold; the final answer and a resume start the clock', async () => {
    const d2 = new RtpengineDriver({ servers: engine.ng, mediaTimeoutMs: 800, pollIntervalMs: 100 });
    const timedOut: string[] = [];
    d2.onMediaTimeout = (id) => timedOut.push(id);
    const callId = newCallId();
    const key = { callId, fromTag: 'ring-a', toTag: 'ring-b' };
    type Key = typeof key;
    const offerBy = (k: Key, sdp: string) =>
      d2.offer({ ...k, sdp, from: 'caller', signallingAddress: '127.0.0.1' });
    const answerBy = (k: Key, sdp: string, provisional = false) =>
      d2.answer({ ...k, sdp, from: 'callee', signallingAddress: '127.0.0.1', provisional });
    /** A re-offer from the caller with `dirs[0]`, answered with `dirs[1]` (hold and resume, RFC 3264 §8.4). */
    const reoffer = async (k: Key, dirs: [string, string], version: number): Promise<void> => {
      await offerBy(
        k,
        sdpFor(40014).replace('a=sendrecv', `a=${dirs[0]}`).replace(' 1 IN', ` ${version} IN`),
      );
      await answerBy(k, sdpFor(40016).replace('a=sendrecv', `a=${dirs[1]}`));
    };
    try {
      await offerBy(key, sdpFor(40010));
      await answerBy(key, sdpFor(40012), true); // 183 with SDP, no packets: the phone rings
      assert.equal(await waitFor(() => timedOut.length > 0, 1800), false, 'no timeout while ringing');
      const answeredAt = Date.now();
      await answerBy(key, sdpFor(40012)); // 200: answered, silent from now on
      assert.ok(await waitFor(() => timedOut.length > 0, 3000), 'the answered silent call times out');
      const after = Date.now() - answeredAt;
      assert.ok(after >= 700, `counted from the answer, not from the ringing (${after} ms)`);

      // A second call put on hold (sendonly / recvonly) stays silent for longer than the timeout.
      timedOut.length = 0;
      const held = { ...key, callId: newCallId() };
      await offerBy(held, sdpFor(40014));
      await answerBy(held, sdpFor(40016));
      await reoffer(held, ['sendonly', 'recvonly'], 2);
      assert.equal(await waitFor(() => timedOut.length > 0, 1800), false, 'no timeout on hold');
      const resumedAt = Date.now();
      await reoffer(held, ['sendrecv', 'sendrecv'], 3);
      assert.ok(await waitFor(() => timedOut.length > 0, 3000), 'silent after the resume: timed out');
      assert.ok(Date.now() - resumedAt >= 700, 'counted from the resume, not from the hold');
      assert.deepEqual(timedOut, [held.callId]);
      await d2.delete(held);
    } finally {
      await d2.delete(key);
      await d2.close();
    }
  });

  it('fails over to the next instance when the hashed one does not answer, and stays there', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const d2 = new RtpengineDriver({ servers: [dead, engine.ng], retryTimeoutsMs: [100, 100] });
    // A Call-ID that hashes to the dead instance (index 0).
    let callId = newCallId();
    while (hashCallId(callId) % 2 !== 0) callId = newCallId();
    try {
      assert.equal(d2.client.serverFor(callId), dead);
      const t0 = Date.now();
      const offer = await d2.offer({
        callId,
        fromTag: 'fo-a',
        sdp: sdpFor(40008),
        from: 'caller',
        signallingAddress: '127.0.0.1',
      });
      assertRelayed(offer);
      assert.ok(Date.now() - t0 >= 200, 'the dead instance got its tries first');
      assert.equal(d2.client.serverFor(callId), engine.ng, 'the call sticks to the instance that has it');
      const t1 = Date.now();
      await d2.answer({
        callId,
        fromTag: 'fo-a',
        toTag: 'fo-b',
        sdp: sdpFor(40010),
        from: 'callee',
        signallingAddress: '127.0.0.1',
      });
      assert.ok(Date.now() - t1 < 200, 'the answer goes straight to the live instance');
      const health = await d2.ping();
      assert.deepEqual(
        health.map((h) => [h.server, h.ok]),
        [
          [dead, false],
          [engine.ng, true],
        ],
      );
    } finally {
      await d2.delete({ callId, fromTag: 'fo-a', toTag: 'fo-b' }).catch(() => undefined);
      await d2.close();
    }
  });

  it('times out against a port where nothing listens: RelayError 503 within the retry budget', async () => {
    const port = await freePort();
    const d2 = new RtpengineDriver({ servers: `127.0.0.1:${port}`, retryTimeoutsMs: [200, 300, 300] });
    const t0 = Date.now();
    try {
      await assert.rejects(
        d2.offer({
          callId: newCallId(),
          fromTag: 'x',
          sdp: sdpFor(4000),
          from: 'caller',
          signallingAddress: '127.0.0.1',
        }),
        (err: unknown) => {
          assert.ok(err instanceof RelayError);
          assert.equal(err.sipStatus, 503);
          assert.match(err.message, /no answer|did not answer/);
          return true;
        },
      );
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 750 && elapsed < 1500, `rejected after ${elapsed} ms (budget 800 ms)`);
      const [h] = await d2.ping();
      assert.equal(h?.ok, false);
    } finally {
      await d2.close();
    }
  });
});
