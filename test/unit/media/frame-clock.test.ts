/**
 * The 20 ms frame clock: drift-free with a fake scheduler whose timers fire late by random amounts, burst
 * and skip after a stall; and measured on real timers (loose bounds: the machine is shared).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameClock, type ClockScheduler } from '../../../engine/media/rtp/frame-clock.js';

/** A scheduler on virtual time whose timers fire 0–`maxLate` ms after they are due (seeded, repeatable). */
function lateScheduler(maxLate: number): ClockScheduler & { run(untilMs: number): void } {
  let now = 0;
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let ids = 0;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++ids;
      timers.push({ at: now + Math.ceil(ms) + rand() * maxLate, fn, id });
      return id;
    },
    clearTimeout(h) {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
    run(untilMs) {
      for (let guard = 0; guard < 1_000_000; guard++) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > untilMs) break;
        timers.shift();
        now = t.at;
        t.fn();
      }
      now = untilMs;
    },
  };
}

describe('FrameClock', () => {
  it('hands out frame n at or after start + 20n, never accumulating timer lateness', () => {
    const s = lateScheduler(8);
    const seen: Array<{ n: number; at: number }> = [];
    const clock = new FrameClock(20, (n) => seen.push({ n, at: s.now() }), s);
    clock.begin();
    s.run(60_000); // one minute of audio
    clock.stop();
    assert.ok(seen.length >= 2999 && seen.length <= 3001, `${seen.length} frames in 60 s`);
    seen.forEach(({ n, at }, i) => {
      assert.equal(n, i, 'no frame skipped or repeated');
      assert.ok(at >= 20 * n, `frame ${n} early at ${at}`);
      assert.ok(at - 20 * n < 10, `frame ${n} ${at - 20 * n} ms late`);
    });
    assert.equal(clock.stats.skipped, 0);
    assert.ok(clock.stats.maxLateMs < 10);
  });

  it('after a stall, catches up a short burst and skips the rest (RTP timestamps stay on real time)', () => {
    const s = lateScheduler(0);
    const seen: number[] = [];
    let stalled = false;
    const clock = new FrameClock(
      20,
      (n) => {
        seen.push(n);
        if (n === 10 && !stalled) {
          stalled = true;
          s.run(s.now() + 300); // the event loop blocked for 300 ms (15 frames)
        }
      },
      s,
      5,
    );
    clock.begin();
    s.run(1000);
    clock.stop();
    const afterStall = seen.slice(11);
    assert.ok(afterStall[0]! > 11, 'frames skipped');
    assert.equal(clock.stats.skipped, afterStall[0]! - 11);
    // Every frame handed out afterwards is consecutive and the last one is the one due at 1000 ms.
    for (let i = 1; i < afterStall.length; i++) assert.equal(afterStall[i], afterStall[i - 1]! + 1);
    assert.equal(seen[seen.length - 1], 50);
  });

  it('on real timers: 100 frames in 2 s, mean spacing 20 ms, no drift', async () => {
    const at: number[] = [];
    const clock = new FrameClock(20, () => at.push(performance.now()));
    const start = performance.now();
    clock.begin();
    await new Promise((r) => setTimeout(r, 2010));
    clock.stop();
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const drift = at[at.length - 1]! - start - 20 * (at.length - 1);
    const sorted = [...gaps].sort((a, b) => a - b);
    console.log(
      `frame clock on real timers: frames ${at.length}, mean gap ${mean.toFixed(3)} ms, ` +
        `p1 ${sorted[0]!.toFixed(2)} p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(2)} ms, ` +
        `end drift ${drift.toFixed(2)} ms, mean late ${clock.stats.meanLateMs.toFixed(2)} ms, max late ${clock.stats.maxLateMs.toFixed(2)} ms`,
    );
    // Loose enough for a shared 2-core machine; a clock that drifted by its timer delays would be ~1 ms
    // per frame late (100 ms over the run), and one with a fixed 20 ms delay would fall behind.
    assert.ok(at.length >= 95 && at.length <= 102, `${at.length} frames`);
    assert.ok(Math.abs(mean - 20) < 1.5, `mean gap ${mean}`);
    assert.ok(drift >= 0 && drift < 40, `last frame ${drift} ms after its due time`);
  });
});
