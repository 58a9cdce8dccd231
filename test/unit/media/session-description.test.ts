/** Offer/answer for the media applications (RFC 3264): codec choice, telephone-event, hold, refused streams. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerOffer,
  formatSdp,
  offerFormats,
  readAnswer,
  SdpNegotiationError,
} from '../../../engine/media/apps/session-description.js';

const offer = (m: string, extra: string[] = [], c = '192.0.2.10'): string =>
  ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', `c=IN IP4 ${c}`, 't=0 0', m, ...extra, ''].join('\r\n');

describe('media application SDP', () => {
  it("takes the offerer's first codec we have, and telephone-event/8000", () => {
    const a = answerOffer(
      offer('m=audio 4000 RTP/AVP 18 8 0 101', [
        'a=rtpmap:18 G729/8000',
        'a=rtpmap:101 telephone-event/8000',
      ]),
    ).audio;
    assert.equal(a.codec.name, 'PCMA');
    assert.equal(a.payloadType, 8);
    assert.equal(a.telephoneEvent, 101);
    assert.deepEqual(a.remote, { address: '192.0.2.10', port: 4000 });
    assert.equal(a.direction, 'sendrecv');
    assert.equal(a.ptime, 20);
  });

  it('accepts a dynamic payload type for PCMU and a telephone-event at another number', () => {
    const a = answerOffer(
      offer('m=audio 4000 RTP/AVP 96 97', ['a=rtpmap:96 PCMU/8000', 'a=rtpmap:97 telephone-event/8000']),
    ).audio;
    assert.deepEqual([a.codec.name, a.payloadType, a.telephoneEvent], ['PCMU', 96, 97]);
  });

  it('refuses (488) offers without a codec we have, and SRTP', () => {
    assert.throws(
      () => answerOffer(offer('m=audio 4000 RTP/AVP 18', ['a=rtpmap:18 G729/8000'])),
      SdpNegotiationError,
    );
    assert.throws(() => answerOffer(offer('m=audio 4000 RTP/SAVP 0')), SdpNegotiationError);
    assert.throws(() => answerOffer('hello'), SdpNegotiationError);
  });

  it('answers hold: sendonly → recvonly, c=0.0.0.0 → no address and recvonly, inactive → inactive', () => {
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0', ['a=sendonly'])).audio.direction, 'recvonly');
    const old = answerOffer(offer('m=audio 4000 RTP/AVP 0', [], '0.0.0.0')).audio;
    assert.equal(old.remote, undefined);
    assert.equal(old.direction, 'recvonly');
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0', ['a=inactive'])).audio.direction, 'inactive');
    assert.equal(answerOffer(offer('m=audio 4000 RTP/AVP 0', ['a=recvonly'])).audio.direction, 'sendonly');
  });

  it('answers with as many m-lines as offered, refusing video with port 0 (RFC 3264 §6)', () => {
    const o = answerOffer(
      offer('m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 4000 RTP/AVP 0 101'),
    );
    const sdp = formatSdp({
      address: '198.51.100.1',
      port: 30000,
      sessionId: 7,
      version: 1,
      formats: [{ payloadType: 0, codec: o.audio.codec }],
      telephoneEvent: 101,
      direction: o.audio.direction,
      ptime: 20,
      offerLines: o.offerLines,
      audioIndex: o.audioIndex,
    });
    const m = sdp.split('\r\n').filter((l) => l.startsWith('m='));
    assert.deepEqual(m, ['m=video 0 RTP/AVP 96', 'm=audio 30000 RTP/AVP 0 101']);
    assert.match(sdp, /^c=IN IP4 198\.51\.100\.1$/m);
    assert.match(sdp, /^a=rtpmap:101 telephone-event\/8000$/m);
    assert.match(sdp, /^a=sendrecv$/m);
  });

  it('reads the answer to our own offer (late-offer INVITE)', () => {
    assert.deepEqual(
      offerFormats().map((f) => [f.payloadType, f.codec.name]),
      [
        [0, 'PCMU'],
        [8, 'PCMA'],
      ],
    );
    const a = readAnswer(offer('m=audio 4002 RTP/AVP 8 101', ['a=rtpmap:101 telephone-event/8000']));
    assert.deepEqual([a.codec.name, a.telephoneEvent, a.remote?.port], ['PCMA', 101, 4002]);
    assert.throws(() => readAnswer(offer('m=audio 0 RTP/AVP 0')), SdpNegotiationError);
  });
});
