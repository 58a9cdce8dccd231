/**
 * SDP anchoring (RFC 4566, RFC 3264): golden rewrites of offers and answers, first on the pure functions,
 * then through the relay's offer/answer (ports come from the pool in order, so they are predictable).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RelayError, anchorSdp, parseSdp } from '../../engine/media/index.js';
import { audioSdp, callKey, mPort, relay } from './media-harness.js';

const crlf = (...lines: string[]): string => [...lines, ''].join('\r\n');

const MULTI = crlf(
  'v=0',
  'o=alice 2890844526 2890844527 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'm=audio 49170 RTP/AVP 9 0 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp:49171 IN IP4 192.168.1.20',
  'a=ptime:20',
  'a=sendrecv',
  'm=video 51372 RTP/AVP 96',
  'c=IN IP4 192.168.1.21',
  'b=AS:512',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 profile-level-id=42e01f;packetization-mode=1',
  'a=recvonly',
  'm=video 0 RTP/AVP 97',
  'a=rtpmap:97 VP8/90000',
);

describe('parseSdp: what the relay reads from each m-line', () => {
  it('takes the address from the media-level c= over the session-level one, RTCP from a=rtcp', () => {
    const { streams } = parseSdp(MULTI);
    assert.equal(streams.length, 3);
    assert.deepEqual(streams[0]?.endpoint, {
      address: '192.168.1.20',
      rtpPort: 49170,
      rtcpAddress: '192.168.1.20',
      rtcpPort: 49171,
    });
    assert.deepEqual(streams[1]?.endpoint, {
      address: '192.168.1.21',
      rtpPort: 51372,
      rtcpAddress: '192.168.1.21',
      rtcpPort: 51373, // no a=rtcp: RTP + 1 (RFC 3550 §11)
    });
    assert.equal(streams[2]?.rejected, true);
  });

  it('names the preferred codec and knows clock rates, static payload types included', () => {
    const [audio, video] = parseSdp(MULTI).streams;
    assert.equal(audio?.codec, 'G722');
    assert.equal(audio?.clockRates.get(0), 8000); // PCMU: static, no rtpmap line
    assert.equal(audio?.clockRates.get(9), 8000); // G722's RTP clock is 8000 (RFC 3551 §4.5.2)
    assert.equal(audio?.clockRates.get(101), 8000);
    assert.equal(video?.codec, 'H264');
    assert.equal(video?.clockRates.get(96), 90000);
  });

  it('reads the direction from the m-line, else the session, else sendrecv', () => {
    const session = crlf('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly');
    const sdp = session + crlf('m=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 0', 'a=inactive');
    assert.deepEqual(
      parseSdp(sdp).streams.map((s) => s.direction),
      ['sendonly', 'inactive'],
    );
    assert.equal(parseSdp(audioSdp({ port: 4000 })).streams[0]?.direction, 'sendrecv');
  });

  it('treats c=0.0.0.0 as hold: no destination (RFC 3264 §8.4)', () => {
    const s = parseSdp(audioSdp({ port: 4000, address: '0.0.0.0' })).streams[0];
    assert.equal(s?.endpoint, null);
    assert.equal(s?.rejected, false);
  });

  it('declines what a UDP/IPv4 relay cannot carry: IPv6, a host name, TCP media', () => {
    const base = crlf('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0');
    const sdp =
      base +
      crlf(
        'm=audio 4000 RTP/AVP 0',
        'c=IN IP6 2001:db8::1',
        'm=audio 4002 RTP/AVP 0',
        'c=IN IP4 pbx.example.com',
        'm=message 4004 TCP/MSRP *',
        'c=IN IP4 10.0.0.1',
      );
    assert.deepEqual(
      parseSdp(sdp).streams.map((s) => s.relayable),
      [false, false, false],
    );
  });

  it('refuses a body that is not a usable session description with 488', () => {
    for (const body of ['', 'hello', crlf('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0')]) {
      assert.throws(
        () => parseSdp(body),
        (e: unknown) => e instanceof RelayError && e.sipStatus === 488,
      );
    }
    const noConnection = crlf('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0');
    assert.throws(() => parseSdp(noConnection), /no c= line/);
  });
});

describe('anchorSdp: golden rewrites', () => {
  it('several m-lines: c= at session and media level, a=rtcp, fmtp, telephone-event, direction; port 0 kept', () => {
    const out = anchorSdp(parseSdp(MULTI), '203.0.113.5', [40000, 40002, 0]);
    assert.equal(
      out,
      crlf(
        'v=0',
        'o=alice 2890844526 2890844527 IN IP4 192.168.1.20',
        's=-',
        'c=IN IP4 203.0.113.5',
        't=0 0',
        'm=audio 40000 RTP/AVP 9 0 101',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=rtcp:40001 IN IP4 203.0.113.5',
        'a=ptime:20',
        'a=sendrecv',
        'm=video 40002 RTP/AVP 96',
        'c=IN IP4 203.0.113.5',
        'b=AS:512',
        'a=rtpmap:96 H264/90000',
        'a=fmtp:96 profile-level-id=42e01f;packetization-mode=1',
        'a=recvonly',
        'm=video 0 RTP/AVP 97',
        'a=rtpmap:97 VP8/90000',
      ),
    );
  });

  it('hold with c=0.0.0.0 keeps 0.0.0.0 (session line and a=rtcp) and the direction; the port is the relay’s', () => {
    const held = crlf(
      'v=0',
      'o=- 1 2 IN IP4 10.0.0.7',
      's=-',
      'c=IN IP4 0.0.0.0',
      't=0 0',
      'm=audio 4000 RTP/AVP 0',
      'a=rtcp:4001 IN IP4 0.0.0.0',
      'a=sendonly',
    );
    assert.equal(
      anchorSdp(parseSdp(held), '203.0.113.5', [40010]),
      crlf(
        'v=0',
        'o=- 1 2 IN IP4 10.0.0.7',
        's=-',
        'c=IN IP4 0.0.0.0',
        't=0 0',
        'm=audio 40010 RTP/AVP 0',
        'a=rtcp:40011 IN IP4 0.0.0.0',
        'a=sendonly',
      ),
    );
  });

  it('removes ICE candidates (they would bypass the relay) and keeps a=rtcp-mux', () => {
    const ice = crlf(
      'v=0',
      'o=- 1 1 IN IP4 10.0.0.7',
      's=-',
      'c=IN IP4 10.0.0.7',
      't=0 0',
      'm=audio 4000 RTP/AVP 0',
      'a=ice-ufrag:abcd',
      'a=ice-pwd:0123456789abcdef012345',
      'a=candidate:1 1 UDP 2130706431 10.0.0.7 4000 typ host',
      'a=candidate:2 1 UDP 1694498815 198.51.100.9 61000 typ srflx raddr 10.0.0.7 rport 4000',
      'a=end-of-candidates',
      'a=rtcp-mux',
    );
    assert.equal(
      anchorSdp(parseSdp(ice), '203.0.113.5', [40020]),
      crlf(
        'v=0',
        'o=- 1 1 IN IP4 10.0.0.7',
        's=-',
        'c=IN IP4 203.0.113.5',
        't=0 0',
        'm=audio 40020 RTP/AVP 0',
        'a=rtcp-mux',
      ),
    );
  });
});

describe('BuiltinRelay offer/answer rewriting', () => {
  // 41000-41099: this file's share of the test range.
  const r = relay(41000, 41099);
  after(() => r.close());

  it('an offer points the callee at a caller-side pair, the answer points the caller at another', async () => {
    const k = callKey('golden');
    const free = (await r.usage()).portPairs.free;
    const offer = await r.offer({ ...k, sdp: MULTI, from: 'caller', signallingAddress: '192.168.1.20' });
    const [a0, v0, rej] = [mPort(offer, 0), mPort(offer, 1), mPort(offer, 2)];
    // Each stream takes the pair named in the offer and reserves the one its answer will name.
    assert.equal(v0, a0 + 4, 'pairs are handed out in order, two per offered stream');
    assert.equal(rej, 0, 'a rejected stream stays rejected');
    assert.match(offer, /^c=IN IP4 127\.0\.0\.1\r$/m);
    assert.doesNotMatch(
      offer.replace(/^o=.*$/m, ''),
      /192\.168/,
      'only the origin line keeps the phone address',
    );
    assert.match(offer, new RegExp(`^a=rtcp:${a0 + 1} IN IP4 127\\.0\\.0\\.1\\r$`, 'm'));
    assert.match(offer, /^a=rtpmap:101 telephone-event\/8000\r$/m);
    assert.match(offer, /^a=fmtp:101 0-15\r$/m);
    assert.equal((await r.usage()).portPairs.free, free - 4, 'nothing allocated for the rejected stream');

    const answerSdp = crlf(
      'v=0',
      'o=bob 1 1 IN IP4 192.168.1.30',
      's=-',
      'c=IN IP4 192.168.1.30',
      't=0 0',
      'm=audio 30000 RTP/AVP 9 101',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'm=video 0 RTP/AVP 96',
      'm=video 0 RTP/AVP 97',
    );
    const answer = await r.answer({
      ...k,
      sdp: answerSdp,
      from: 'callee',
      signallingAddress: '192.168.1.30',
    });
    assert.equal(mPort(answer, 0), a0 + 2, 'the caller-facing pair is the one the offer reserved');
    assert.equal(mPort(answer, 1), 0, 'the callee declined video');
    assert.equal(mPort(answer, 2), 0);
    assert.equal(
      (await r.usage()).portPairs.free,
      free - 2,
      'declining video in the answer released its pair; audio holds two pairs',
    );
    const stats = await r.query(k.callId);
    assert.deepEqual(
      stats?.streams.map((s) => [s.index, s.media, s.codec]),
      [[0, 'audio', 'G722']],
    );

    // A re-offer (hold) reuses the ports and keeps c=0.0.0.0 and sendonly.
    const hold = MULTI.replace('c=IN IP4 192.168.1.20', 'c=IN IP4 0.0.0.0').replace(
      'a=sendrecv',
      'a=sendonly',
    );
    const reoffer = await r.offer({ ...k, sdp: hold, from: 'caller', signallingAddress: '192.168.1.20' });
    assert.equal(mPort(reoffer, 0), a0);
    assert.match(reoffer, /^c=IN IP4 0\.0\.0\.0\r$/m);
    assert.match(reoffer, /^a=sendonly\r$/m);
    assert.notEqual(mPort(reoffer, 1), 0, 'the re-offer revives video');
    assert.equal(
      (await r.usage()).portPairs.free,
      free - 4,
      "the re-offer allocated only the revived video's pairs",
    );
    // The callee re-offers (its own hold): the caller is pointed at the caller-facing pair it already uses.
    const calleeOffer = answerSdp.replace('t=0 0', 't=0 0\r\na=sendonly');
    const toCaller = await r.offer({
      ...k,
      sdp: calleeOffer,
      from: 'callee',
      signallingAddress: '192.168.1.30',
    });
    assert.equal(mPort(toCaller, 0), a0 + 2, 'the caller keeps sending where it did');
    assert.equal(mPort(toCaller, 1), 0);
    assert.equal(
      (await r.usage()).portPairs.free,
      free - 2,
      'the callee declined video again: its pair is back',
    );
    await r.delete(k);
    assert.equal((await r.usage()).portPairs.free, free);
  });

  it('an offer from the callee (late offer in the 200) and the answer in the ACK work the other way round', async () => {
    const k = callKey('late');
    const offer = await r.offer({
      ...k,
      sdp: audioSdp({ port: 30000 }),
      from: 'callee',
      signallingAddress: '',
    });
    const answer = await r.answer({
      ...k,
      sdp: audioSdp({ port: 30002 }),
      from: 'caller',
      signallingAddress: '',
    });
    assert.notEqual(mPort(offer), mPort(answer));
    assert.ok(mPort(offer) >= 41000 && mPort(answer) >= 41000);
    await r.delete(k);
  });

  it('an answer for a call with no offer is refused and allocates nothing', async () => {
    const free = (await r.usage()).portPairs.free;
    await assert.rejects(
      r.answer({
        ...callKey('orphan'),
        sdp: audioSdp({ port: 30000 }),
        from: 'callee',
        signallingAddress: '',
      }),
      (e: unknown) => e instanceof RelayError && e.sipStatus === 500 && /without an offer/.test(e.message),
    );
    assert.equal((await r.usage()).portPairs.free, free);
  });

  it('an offer the relay cannot carry at all is refused with 488', async () => {
    await assert.rejects(
      r.offer({ ...callKey('bad'), sdp: 'not sdp', from: 'caller', signallingAddress: '' }),
      (e: unknown) => e instanceof RelayError && e.sipStatus === 488,
    );
    const ipv6Only = crlf(
      'v=0',
      'o=- 1 1 IN IP6 2001:db8::1',
      's=-',
      'c=IN IP6 2001:db8::1',
      't=0 0',
      'm=audio 4000 RTP/AVP 0',
    );
    await assert.rejects(
      r.offer({ ...callKey('v6'), sdp: ipv6Only, from: 'caller', signallingAddress: '' }),
      (e: unknown) => e instanceof RelayError && e.sipStatus === 488 && /IPv4/.test(e.message),
    );
    assert.equal((await r.usage()).calls, 0, 'a refused offer leaves no call behind');
  });
});
