/** RTP receiver statistics in isolation: loss (RFC 3550 A.1, A.3) and interarrival jitter (A.8). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpReceiveStats } from '../../engine/media/index.js';

const RATE = 8000;
/** Feeds packets 20 ms / 160 timestamp units apart; `seqs` chooses the sequence numbers sent. */
function feed(stats: RtpReceiveStats, seqs: number[], ssrc = 0x1234, start = 0): void {
  seqs.forEach((seq, i) => stats.update(seq & 0xffff, (seq * 160) >>> 0, ssrc, RATE, start + i * 20));
}
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe('RtpReceiveStats: loss from sequence numbers (RFC 3550 A.3)', () => {
  it('counts nothing lost for an unbroken sequence', () => {
    const s = new RtpReceiveStats();
    feed(s, range(100, 50));
    assert.equal(s.received, 50);
    assert.equal(s.expected, 50);
    assert.equal(s.lost, 0);
  });

  it('counts a gap as lost: expected = extended highest − base + 1', () => {
    const s = new RtpReceiveStats();
    feed(s, [...range(100, 10), ...range(115, 10)]); // 110..114 missing
    assert.equal(s.received, 20);
    assert.equal(s.expected, 25);
    assert.equal(s.lost, 5);
  });

  it('a late (reordered) packet fills its gap', () => {
    const s = new RtpReceiveStats();
    feed(s, [1, 2, 4, 5, 3, 6]);
    assert.equal(s.lost, 0);
  });

  it('follows the 16-bit wrap with the cycle count', () => {
    const s = new RtpReceiveStats();
    feed(s, range(65530, 12)); // 65530..65535, 0..5
    assert.equal(s.expected, 12);
    assert.equal(s.lost, 0);
    feed(s, [8, 9], 0x1234, 1000); // 6, 7 lost after the wrap
    assert.equal(s.lost, 2);
  });

  it('duplicates do not make the loss negative', () => {
    const s = new RtpReceiveStats();
    feed(s, [1, 2, 2, 2, 3]);
    assert.equal(s.lost, 0);
  });

  it('a very large jump is ignored once, and re-synchronises on the second sequential packet (A.1)', () => {
    const s = new RtpReceiveStats();
    feed(s, range(1, 10));
    feed(s, [30000], 0x1234, 500);
    assert.equal(s.received, 10, 'a lone packet far off is not counted');
    feed(s, [30001, 30002], 0x1234, 600);
    assert.equal(s.lost, 0, 'the sender restarted: nothing lost');
    assert.equal(s.received, 12);
  });

  it('a new SSRC starts a new source and keeps the loss counted so far', () => {
    const s = new RtpReceiveStats();
    feed(s, [1, 2, 5], 0xaaaa);
    feed(s, [900, 901, 903], 0xbbbb, 100);
    assert.equal(s.lost, 3);
  });
});

describe('RtpReceiveStats: interarrival jitter (RFC 3550 A.8)', () => {
  it('is zero when packets arrive exactly as their timestamps say', () => {
    const s = new RtpReceiveStats();
    feed(s, range(1, 100));
    assert.equal(s.jitterMs, 0);
  });

  it('converges to the mean deviation: J += (|D| − J) / 16', () => {
    // Arrival spacing alternates 10 ms and 30 ms for timestamps 20 ms apart: |D| = 10 ms every time.
    const s = new RtpReceiveStats();
    let t = 0;
    for (let i = 0; i < 200; i++) {
      s.update(i, i * 160, 1, RATE, t);
      t += i % 2 === 0 ? 10 : 30;
    }
    assert.ok(Math.abs(s.jitterMs - 10) < 0.01, `jitter ${s.jitterMs}`);
    // One step, by hand: from J = 0, a single |D| = 16 ms gives J = 1 ms.
    const one = new RtpReceiveStats();
    one.update(1, 0, 1, RATE, 0);
    one.update(2, 160, 1, RATE, 36);
    assert.equal(one.jitterMs, 1);
  });

  it('uses the payload type’s clock: 20 ms at 48 kHz is 960 units', () => {
    const s = new RtpReceiveStats();
    s.update(1, 0, 1, 48000, 0);
    s.update(2, 960, 1, 48000, 20);
    assert.equal(s.jitterMs, 0);
    s.update(3, 1920, 1, 48000, 56); // 16 ms late
    assert.equal(s.jitterMs, 1);
  });

  it('handles the 32-bit timestamp wrap', () => {
    const s = new RtpReceiveStats();
    s.update(1, 0xffffff00, 1, RATE, 0);
    s.update(2, (0xffffff00 + 160) >>> 0, 1, RATE, 20);
    assert.equal(s.jitterMs, 0);
  });

  it('takes no sample across a change of clock rate, or without a known rate', () => {
    const s = new RtpReceiveStats();
    s.update(1, 0, 1, 8000, 0);
    s.update(2, 5000, 1, 16000, 20); // e.g. a switch of payload type
    s.update(3, 99999, 1, 0, 40); // unknown payload type
    assert.equal(s.jitterMs, 0);
  });
});
