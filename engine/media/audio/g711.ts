/**
 * G.711 (ITU-T G.711, 1988) µ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8): 16-bit linear
 * PCM to 8-bit companded samples and back. The segment arithmetic follows the ITU reference (ITU-T G.191's
 * g711.c, as in Sun's widely copied version); encoding goes through a 64 Ki-entry table built once, decoding through a 256-entry
 * table, so a 20 ms frame costs 160 table lookups.
 */

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 8159; // 14-bit magnitude limit
const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]!) return i;
  return ends.length;
}

/** One 16-bit sample to µ-law. */
export function linearToUlaw(sample: number): number {
  // 14-bit magnitude; negative values by one's complement as in ITU-T G.191's reference (a plain shift
  // would round them towards -infinity, adding up to 3 levels of error on that side only).
  let pcm: number;
  let mask: number;
  if (sample < 0) {
    pcm = ~sample >> 2;
    mask = 0x7f;
  } else {
    pcm = sample >> 2;
    mask = 0xff;
  }
  if (pcm > ULAW_CLIP) pcm = ULAW_CLIP;
  pcm += ULAW_BIAS >> 2;
  const seg = segment(pcm, ULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask;
}

/** One µ-law byte to a 16-bit sample. */
export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** One 16-bit sample to A-law. */
export function linearToAlaw(sample: number): number {
  let pcm = sample >> 3; // 13-bit
  let mask: number;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segment(pcm, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

/** One A-law byte to a 16-bit sample. */
export function alawToLinear(byte: number): number {
  const a = (byte ^ 0x55) & 0xff;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else {
    t += 0x108;
    if (seg > 1) t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

function encodeTable(f: (s: number) => number): Uint8Array {
  const t = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = f(i - 32768);
  return t;
}

function decodeTable(f: (b: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) t[i] = f(i);
  return t;
}

const ULAW_ENCODE = encodeTable(linearToUlaw);
const ALAW_ENCODE = encodeTable(linearToAlaw);
const ULAW_DECODE = decodeTable(ulawToLinear);
const ALAW_DECODE = decodeTable(alawToLinear);

export type G711Law = 'ulaw' | 'alaw';

/** Encodes `pcm` into `out` (same length), or into a new buffer. */
export function encodeG711(
  law: G711Law,
  pcm: Int16Array,
  out: Uint8Array = new Uint8Array(pcm.length),
): Uint8Array {
  const table = law === 'ulaw' ? ULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! + 32768]!;
  return out;
}

/** Decodes `data` into `out` (same length), or into a new array. */
export function decodeG711(
  law: G711Law,
  data: Uint8Array,
  out: Int16Array = new Int16Array(data.length),
): Int16Array {
  const table = law === 'ulaw' ? ULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < data.length; i++) out[i] = table[data[i]!]!;
  return out;
}

/** The companded value of digital silence (what a comfort-noise-less idle frame carries). */
export const G711_SILENCE: Readonly<Record<G711Law, number>> = { ulaw: 0xff, alaw: 0xd5 };
