/** The polyphase windowed-sinc resampler: length, pass-band level, anti-aliasing and anti-imaging. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resample, Resampler } from '../../../engine/media/audio/resampler.js';
import { dominantFrequency, rms, sine, tonePower } from '../../support/audio-analysis.js';

const db = (a: number, b: number): number => 20 * Math.log10(a / b);

/** The middle of a signal, away from the filter's edges. */
const middle = (x: Int16Array): Int16Array =>
  x.subarray(Math.floor(x.length / 4), Math.floor((3 * x.length) / 4));

describe('Resampler', () => {
  it('reduces the ratio (16000→8000 is 1/2, 44100→8000 is 80/441)', () => {
    const a = new Resampler(16000, 8000);
    assert.deepEqual([a.up, a.down], [1, 2]);
    const b = new Resampler(44100, 8000);
    assert.deepEqual([b.up, b.down], [80, 441]);
    assert.equal(b.outputLength(44100), 8000);
  });

  it('16 kHz → 8 kHz keeps a 1 kHz tone at its level and removes a 6 kHz tone instead of aliasing it to 2 kHz', () => {
    const tone = middle(resample(sine(1000, 16000, 1), 16000, 8000));
    assert.equal(dominantFrequency(tone, 8000), 1000);
    assert.ok(
      Math.abs(db(rms(tone), 16000 / Math.SQRT2)) < 0.3,
      `level ${db(rms(tone), 16000 / Math.SQRT2)} dB`,
    );
    const high = middle(resample(sine(6000, 16000, 1), 16000, 8000));
    assert.ok(
      db(rms(high) + 1e-9, 16000 / Math.SQRT2) < -50,
      `6 kHz leaks at ${db(rms(high), 16000 / Math.SQRT2)} dB`,
    );
  });

  it('8 kHz → 16 kHz interpolates a 1 kHz tone without an image at 7 kHz', () => {
    const up = middle(resample(sine(1000, 8000, 1), 8000, 16000));
    assert.equal(up.length, 8000);
    assert.equal(dominantFrequency(up, 16000, 50), 1000);
    const p1 = tonePower(up, 16000, 1000);
    const p7 = tonePower(up, 16000, 7000);
    assert.ok(10 * Math.log10(p1 / p7) > 50, `image only ${10 * Math.log10(p1 / p7)} dB down`);
  });

  it('converts odd rates (44.1 kHz and 11.025 kHz uploads) to 8 kHz', () => {
    for (const rate of [44100, 11025, 22050, 48000]) {
      const out = middle(resample(sine(440, rate, 1), rate, 8000));
      assert.equal(dominantFrequency(out, 8000), 440, `${rate}`);
    }
  });

  it('returns a copy when the rates are equal', () => {
    const x = sine(100, 8000, 0.1);
    const y = resample(x, 8000, 8000);
    assert.deepEqual(y, x);
    assert.notEqual(y, x);
  });
});
