/**
 * Sample-rate conversion by a polyphase windowed-sinc filter (Kaiser window), for any pair of integer
 * rates: the ratio is reduced to L/M, output sample n sits at input position n·M/L, and each of the L
 * fractional phases has its own precomputed FIR (normalised to unity gain at DC). The cut-off is just
 * below the lower Nyquist frequency, so 16 kHz → 8 kHz removes what would alias and 8 kHz → 16 kHz
 * interpolates without images. Prompts are converted once when loaded, so this works on whole buffers.
 */

export interface ResamplerOptions {
  /** Filter taps on each side of the centre, at the lower of the two rates (quality vs CPU). Default 16. */
  halfTaps?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency. Default 0.92. */
  rolloff?: number;
  /** Kaiser window β (stop-band attenuation, ~8 ≈ 80 dB). Default 8. */
  beta?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** Phases beyond this many are computed per sample instead of tabulated (odd rates such as 44101 Hz). */
const MAX_TABLE_PHASES = 2048;

export class Resampler {
  readonly up: number;
  readonly down: number;
  /** Half-width of each phase's filter, in input samples. */
  private readonly half: number;
  private readonly cutoff: number;
  private readonly beta: number;
  private readonly i0Beta: number;
  private readonly table: Float64Array[] | undefined;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    opts: ResamplerOptions = {},
  ) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0)
      throw new RangeError(`invalid sample rates ${fromRate} → ${toRate}`);
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    const ratio = toRate / fromRate;
    // Cut-off relative to the input's sample rate (cycles per input sample × 2).
    this.cutoff = Math.min(1, ratio) * (opts.rolloff ?? 0.92);
    this.half = Math.ceil((opts.halfTaps ?? 16) / Math.min(1, ratio));
    this.beta = opts.beta ?? 8;
    this.i0Beta = besselI0(this.beta);
    if (this.up <= MAX_TABLE_PHASES) {
      this.table = [];
      for (let p = 0; p < this.up; p++) this.table.push(this.phase(p / this.up));
    }
  }

  /** The FIR for fractional position `frac`: taps for input offsets -half+1 … half. */
  private phase(frac: number): Float64Array {
    const n = 2 * this.half;
    const h = new Float64Array(n);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const t = j - this.half + 1 - frac; // distance from the output instant, in input samples
      const x = Math.PI * this.cutoff * t;
      const sinc = t === 0 ? 1 : Math.sin(x) / x;
      const w = t / this.half;
      const win = Math.abs(w) >= 1 ? 0 : besselI0(this.beta * Math.sqrt(1 - w * w)) / this.i0Beta;
      h[j] = sinc * win;
      sum += h[j]!;
    }
    for (let j = 0; j < n; j++) h[j]! /= sum;
    return h;
  }

  /** Number of output samples for `inputLength` input samples. */
  outputLength(inputLength: number): number {
    return Math.floor((inputLength * this.up) / this.down);
  }

  /** Converts a whole buffer; samples outside it count as silence. */
  process(input: Int16Array): Int16Array {
    if (this.up === this.down) return input.slice();
    const out = new Int16Array(this.outputLength(input.length));
    const n = 2 * this.half;
    const last = input.length - 1;
    for (let i = 0; i < out.length; i++) {
      const pos = i * this.down;
      const base = Math.floor(pos / this.up);
      const p = pos - base * this.up;
      const h = this.table ? this.table[p]! : this.phase(p / this.up);
      const start = base - this.half + 1;
      let acc = 0;
      if (start >= 0 && start + n - 1 <= last) {
        for (let j = 0; j < n; j++) acc += input[start + j]! * h[j]!;
      } else {
        for (let j = 0; j < n; j++) {
          const k = start + j;
          if (k >= 0 && k <= last) acc += input[k]! * h[j]!;
        }
      }
      const v = Math.round(acc);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  }
}

/** Converts `input` from one rate to another (a no-op copy when they are equal). */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  return new Resampler(fromRate, toRate).process(input);
}
