// Spectrum checks for media tests: the power of one frequency (Goertzel) and the strongest frequency of a
// signal, scanned in steps. Bounded work: at most `maxSamples` samples are looked at.

/** Power of `freq` in `x` (Goertzel), normalised by the length. */
export function tonePower(x: ArrayLike<number>, rate: number, freq: number, maxSamples = 16000): number {
  const n = Math.min(x.length, maxSamples);
  const w = (2 * Math.PI * freq) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (n * n);
}

/** The frequency (to `step` Hz) with the most power between `from` and the Nyquist frequency. */
export function dominantFrequency(x: ArrayLike<number>, rate: number, step = 10, from = 50): number {
  let best = 0;
  let bestPower = -1;
  for (let f = from; f < rate / 2; f += step) {
    const p = tonePower(x, rate, f, 8000);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

/** A sine of `freq` Hz, `amplitude` (0–32767), `seconds` long, as 16-bit PCM. */
export function sine(freq: number, rate: number, seconds: number, amplitude = 16000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}
