/** RFC 4733 telephone-events: payload format and counting each key press exactly once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DtmfDetector,
  parseTelephoneEvent,
  serializeTelephoneEvent,
} from '../../../engine/media/rtp/telephone-event.js';
import { parseRtp, serializeRtp } from '../../../engine/media/rtp/rtp-packet.js';

const ev = (event: number, end: boolean, duration: number): Buffer =>
  serializeTelephoneEvent({ event, end, volume: 10, duration });

/** The packets a phone sends for one key press (§2.5.1): start, updates, then the end packet three times. */
function press(event: number, updates = 3): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 1; i <= updates; i++) out.push(ev(event, false, 160 * i));
  for (let i = 0; i < 3; i++) out.push(ev(event, true, 160 * (updates + 1)));
  return out;
}

describe('RFC 4733 telephone-event', () => {
  it('parses event, E bit, volume and duration (§2.3)', () => {
    assert.deepEqual(parseTelephoneEvent(Buffer.from([11, 0x8a, 0x03, 0x20])), {
      event: 11,
      end: true,
      volume: 10,
      duration: 800,
    });
    assert.equal(parseTelephoneEvent(Buffer.from([1, 2, 3])), undefined);
    assert.deepEqual(
      serializeTelephoneEvent({ event: 5, end: false, volume: 63, duration: 65535 }),
      Buffer.from([5, 0x3f, 0xff, 0xff]),
    );
  });

  it('counts a press once, however many end packets repeat (§2.5.1.4)', () => {
    const d = new DtmfDetector();
    const got: string[] = [];
    for (const p of press(1)) got.push(...d.receive(1000, p));
    assert.deepEqual(got, ['1']);
  });

  it('reports digits in order, the same digit twice as two presses, * # and A-D by name', () => {
    const d = new DtmfDetector();
    const got: string[] = [];
    const events = [1, 1, 10, 11, 12, 0];
    events.forEach((e, i) => {
      for (const p of press(e)) got.push(...d.receive(8000 * (i + 1), p));
    });
    assert.deepEqual(got.join(''), '11*#A0');
  });

  it('still counts a press whose end packets were all lost, when the next press begins', () => {
    const d = new DtmfDetector();
    const got: string[] = [];
    for (const p of press(4).slice(0, 3)) got.push(...d.receive(100, p)); // no end packets
    assert.equal(got.length, 0);
    for (const p of press(5)) got.push(...d.receive(900, p));
    assert.deepEqual(got, ['4', '5']);
  });

  it('ignores a late end packet of a press already reported (reordering)', () => {
    const d = new DtmfDetector();
    const got: string[] = [];
    for (const p of press(7)) got.push(...d.receive(100, p));
    for (const p of press(8)) got.push(...d.receive(900, p));
    got.push(...d.receive(100, ev(7, true, 640)));
    assert.deepEqual(got, ['7', '8']);
  });

  it('round-trips RTP headers and skips CSRCs, extensions and padding', () => {
    const pkt = serializeRtp(
      { payloadType: 101, marker: true, sequence: 65535, timestamp: 0xfffffff0, ssrc: 42 },
      ev(3, true, 1),
    );
    const p = parseRtp(pkt)!;
    assert.deepEqual(
      [p.payloadType, p.marker, p.sequence, p.timestamp, p.ssrc],
      [101, true, 65535, 0xfffffff0, 42],
    );
    assert.deepEqual(parseTelephoneEvent(p.payload)?.event, 3);
    // CC=1, X=1 (one extension word), P=1 (4 padding bytes).
    const fancy = Buffer.concat([
      Buffer.from([0xb1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]),
      Buffer.from([0, 0, 0, 9]), // CSRC
      Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]), // extension header + one word
      Buffer.from([0xaa, 0xbb]), // payload
      Buffer.from([0, 0, 0, 4]), // padding
    ]);
    assert.deepEqual(parseRtp(fancy)?.payload, Buffer.from([0xaa, 0xbb]));
    assert.equal(parseRtp(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'version 1');
    assert.equal(parseRtp(Buffer.from([0x80, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'RTCP SR');
  });
});
