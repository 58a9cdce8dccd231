/**
 * A small bencode codec (BEP 3) for rtpengine's ng control protocol.
 *
 * Bencode strings are byte strings. On encode a JS string is written as its UTF-8 bytes (the length prefix
 * is the byte length, not `string.length`) and a Buffer/Uint8Array is written as is. On decode byte strings
 * become JS strings (UTF-8 by default, or `latin1` for a lossless 1:1 byte mapping) or, with
 * `strings: 'buffer'`, Buffers. Dictionary keys are always decoded as strings (same encoding; `buffer` mode
 * uses latin1 for keys) and written in sorted raw-byte order on encode, as BEP 3 requires. rtpengine itself
 * does not sort its keys, so the decoder accepts any order.
 *
 * The decoder never throws on malformed input: `decode()` returns `{ ok: false, error }` with a
 * BencodeError that says what was wrong and at which byte offset. Nesting is bounded (`maxDepth`) so
 * hostile input cannot overflow the stack.
 */

export type BencodeValue = string | Buffer | number | bigint | BencodeValue[] | BencodeDict;
export interface BencodeDict {
  [key: string]: BencodeValue;
}

/** What `encode` accepts: dictionary members that are `undefined` are left out (handy for optional keys). */
export type BencodeInput =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | readonly BencodeInput[]
  | { readonly [key: string]: BencodeInput | undefined };

export class BencodeError extends Error {
  constructor(
    message: string,
    /** Byte offset in the input where decoding failed (-1 for encode errors). */
    readonly offset: number,
  ) {
    super(offset >= 0 ? `bencode: ${message} at byte ${offset}` : `bencode: ${message}`);
    this.name = 'BencodeError';
  }
}

// ---------------------------------------------------------------------------------------------- encode

/**
 * Encodes a value. Integers must be safe integers (or bigints); booleans become 1/0. Throws BencodeError
 * for values bencode cannot express (fractions, NaN, null, undefined outside a dictionary, cycles).
 */
export function encode(value: BencodeInput): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts, new Set());
  return Buffer.concat(parts);
}

function encodeInto(value: BencodeInput, out: Buffer[], seen: Set<object>): void {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(Buffer.from(`${bytes.length}:`, 'latin1'), bytes);
  } else if (value instanceof Uint8Array) {
    out.push(Buffer.from(`${value.length}:`, 'latin1'), Buffer.from(value));
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BencodeError(`cannot encode non-integer number ${value}`, -1);
    out.push(Buffer.from(`i${value}e`, 'latin1'));
  } else if (typeof value === 'bigint') {
    out.push(Buffer.from(`i${value.toString()}e`, 'latin1'));
  } else if (typeof value === 'boolean') {
    out.push(Buffer.from(value ? 'i1e' : 'i0e', 'latin1'));
  } else if (Array.isArray(value)) {
    if (seen.has(value)) throw new BencodeError('cannot encode a cyclic structure', -1);
    seen.add(value);
    out.push(Buffer.from('l', 'latin1'));
    for (const item of value as readonly BencodeInput[]) {
      if (item === undefined || item === null)
        throw new BencodeError('cannot encode null/undefined in a list', -1);
      encodeInto(item, out, seen);
    }
    out.push(Buffer.from('e', 'latin1'));
    seen.delete(value);
  } else if (value !== null && typeof value === 'object') {
    if (seen.has(value)) throw new BencodeError('cannot encode a cyclic structure', -1);
    seen.add(value);
    const dict = value as { readonly [key: string]: BencodeInput | undefined };
    const keys = Object.keys(dict)
      .filter((k) => dict[k] !== undefined)
      .map((k) => ({ k, raw: Buffer.from(k, 'utf8') }))
      .sort((a, b) => Buffer.compare(a.raw, b.raw));
    out.push(Buffer.from('d', 'latin1'));
    for (const { k, raw } of keys) {
      const member = dict[k];
      if (member === undefined) continue;
      if (member === null) throw new BencodeError(`cannot encode null (key "${k}")`, -1);
      out.push(Buffer.from(`${raw.length}:`, 'latin1'), raw);
      encodeInto(member, out, seen);
    }
    out.push(Buffer.from('e', 'latin1'));
    seen.delete(value);
  } else {
    throw new BencodeError(`cannot encode ${value === null ? 'null' : typeof value}`, -1);
  }
}

// ---------------------------------------------------------------------------------------------- decode

export interface DecodeOptions {
  /** How byte strings are returned: 'utf8' (default), 'latin1' (lossless), or 'buffer'. */
  strings?: 'utf8' | 'latin1' | 'buffer';
  /** Maximum nesting of lists/dictionaries (default 64). */
  maxDepth?: number;
  /** Accept (and report via `rest`) bytes after the first complete value instead of failing. */
  allowTrailing?: boolean;
}

export type DecodeResult =
  | { ok: true; value: BencodeValue; /** Offset just past the value. */ end: number }
  | { ok: false; error: BencodeError };

const CH_I = 0x69; // i
const CH_L = 0x6c; // l
const CH_D = 0x64; // d
const CH_E = 0x65; // e
const CH_COLON = 0x3a;
const CH_0 = 0x30;
const CH_9 = 0x39;

/** Longest integer literal accepted (a 64-bit value has at most 20 digits plus a sign). */
const MAX_INT_DIGITS = 20;

/** Decodes one bencoded value. Never throws: malformed input yields `{ ok: false, error }`. */
export function decode(input: Uint8Array | string, options: DecodeOptions = {}): DecodeResult {
  try {
    const buf =
      typeof input === 'string'
        ? Buffer.from(input, 'utf8')
        : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const d = new Decoder(buf, options.strings ?? 'utf8', options.maxDepth ?? 64);
    if (buf.length === 0) return { ok: false, error: new BencodeError('empty input', 0) };
    const value = d.value(0);
    if (!options.allowTrailing && d.pos !== buf.length)
      return {
        ok: false,
        error: new BencodeError(`${buf.length - d.pos} trailing byte(s) after the value`, d.pos),
      };
    return { ok: true, value, end: d.pos };
  } catch (err) {
    if (err instanceof BencodeError) return { ok: false, error: err };
    // Anything else would be a bug in this decoder; still report it rather than throw.
    return { ok: false, error: new BencodeError(`internal decoder error: ${(err as Error).message}`, -1) };
  }
}

/** Like `decode` but throws the BencodeError (for callers that prefer exceptions). */
export function decodeOrThrow(input: Uint8Array | string, options: DecodeOptions = {}): BencodeValue {
  const r = decode(input, options);
  if (!r.ok) throw r.error;
  return r.value;
}

class Decoder {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly strings: 'utf8' | 'latin1' | 'buffer',
    private readonly maxDepth: number,
  ) {}

  private fail(message: string, at = this.pos): never {
    throw new BencodeError(message, at);
  }

  private peek(): number {
    const c = this.buf[this.pos];
    if (c === undefined) this.fail('unexpected end of input');
    return c;
  }

  value(depth: number): BencodeValue {
    const c = this.peek();
    if (c === CH_I) return this.integer();
    if (c >= CH_0 && c <= CH_9) return this.string(this.strings);
    if (c === CH_L || c === CH_D) {
      if (depth >= this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
      return c === CH_L ? this.list(depth) : this.dict(depth);
    }
    if (c === CH_E) this.fail("unexpected 'e'");
    return this.fail(`unexpected character ${describe(c)}`);
  }

  private integer(): number | bigint {
    const start = this.pos;
    this.pos++; // 'i'
    const end = this.buf.indexOf(CH_E, this.pos);
    if (end < 0) this.fail('unterminated integer', start);
    const text = this.buf.toString('latin1', this.pos, end);
    if (!/^-?\d+$/.test(text)) this.fail(`invalid integer "${truncate(text)}"`, start);
    if (text === '-0') this.fail('invalid integer "-0"', start);
    if (/^-?0\d/.test(text)) this.fail(`integer with leading zero "${truncate(text)}"`, start);
    if (text.replace('-', '').length > MAX_INT_DIGITS) this.fail('integer too long', start);
    this.pos = end + 1;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }

  private stringBytes(): Buffer {
    const start = this.pos;
    let len = 0;
    let digits = 0;
    for (;;) {
      const c = this.buf[this.pos];
      if (c === undefined) this.fail('unterminated string length', start);
      if (c === CH_COLON) break;
      if (c < CH_0 || c > CH_9) this.fail(`invalid character ${describe(c)} in string length`);
      if (digits === 1 && len === 0) this.fail('string length with leading zero', start);
      len = len * 10 + (c - CH_0);
      digits++;
      if (len > this.buf.length) this.fail(`string length ${len}+ exceeds the input`, start);
      this.pos++;
    }
    this.pos++; // ':'
    if (this.pos + len > this.buf.length)
      this.fail(
        `string of length ${len} runs past the end of input (${this.buf.length - this.pos} byte(s) left)`,
        start,
      );
    const bytes = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return bytes;
  }

  private string(mode: 'utf8' | 'latin1' | 'buffer'): string | Buffer {
    const bytes = this.stringBytes();
    return mode === 'buffer' ? Buffer.from(bytes) : bytes.toString(mode);
  }

  private list(depth: number): BencodeValue[] {
    this.pos++; // 'l'
    const out: BencodeValue[] = [];
    while (this.peek() !== CH_E) out.push(this.value(depth + 1));
    this.pos++;
    return out;
  }

  private dict(depth: number): BencodeDict {
    this.pos++; // 'd'
    const out: BencodeDict = {};
    const keyMode = this.strings === 'buffer' ? 'latin1' : this.strings;
    while (this.peek() !== CH_E) {
      const keyStart = this.pos;
      const c = this.peek();
      if (c < CH_0 || c > CH_9) this.fail(`dictionary key must be a string, found ${describe(c)}`);
      const key = this.string(keyMode) as string;
      if (Object.prototype.hasOwnProperty.call(out, key))
        this.fail(`duplicate dictionary key "${truncate(key)}"`, keyStart);
      if (this.buf[this.pos] === CH_E || this.pos >= this.buf.length)
        this.fail(`dictionary key "${truncate(key)}" has no value`);
      // defineProperty: a "__proto__" key becomes an own data property, never the object's prototype.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    this.pos++;
    return out;
  }
}

function describe(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

// ---------------------------------------------------------------------------------------------- helpers

export function isDict(v: BencodeValue | undefined): v is BencodeDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** A byte string as text (Buffers are read as UTF-8), or undefined for any other type. */
export function asString(v: BencodeValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

/** An integer as a JS number (bigints are converted, possibly losing precision), or undefined. */
export function asNumber(v: BencodeValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // rtpengine prints some values as decimal strings (e.g. in JSON-derived output); accept those too.
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

export function asList(v: BencodeValue | undefined): BencodeValue[] {
  return Array.isArray(v) ? v : [];
}
