/**
 * Fuzzing the message layer with a seeded PRNG (deterministic: a failure names its case and seed).
 * Random bytes and mutations of the RFC 4475 messages and of typical PBX traffic go through
 * parseDatagram and through StreamFramer fed in random chunk sizes. Invariants: nothing throws, every
 * refusal has a 4xx/5xx status, every accepted message serializes and re-parses to the same meaning,
 * the framer gives the same results however the stream is cut, and memory stays bounded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_MESSAGE_SIZE,
  parseDatagram,
  serializeMessage,
  StreamFramer,
  type ParseResult,
  type SipMessage,
} from '../../../engine/sip/message/index.js';
import { loadRfc4475, SAMPLES, sip } from './support.js';

const SEED = 0x4475_3261;
const DATAGRAM_CASES = 100_000;
const STREAM_CASES = 12_000;

/** mulberry32: small, fast, good enough to drive mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Fuzzer {
  private readonly r: () => number;
  constructor(
    seed: number,
    private readonly seeds: Buffer[],
  ) {
    this.r = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** Octets that matter to the grammar, more often than uniform random ones. */
  byte(): number {
    return this.chance(0.6) ? this.pick(INTERESTING) : this.int(256);
  }
  seed(): Buffer {
    return this.pick(this.seeds);
  }
  randomBytes(): Buffer {
    const n = this.chance(0.1) ? this.int(5000) : this.int(300);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.byte();
    return b;
  }
  mutate(input: Buffer): Buffer {
    let b = input;
    const rounds = 1 + this.int(3);
    for (let k = 0; k < rounds; k++) b = this.pick(MUTATIONS)(this, b);
    return b;
  }
  /** A message: random bytes, a seed, or a mutated seed. */
  message(): Buffer {
    const roll = this.r();
    if (roll < 0.08) return this.randomBytes();
    if (roll < 0.2) return this.seed();
    return this.mutate(this.seed());
  }
}

const INTERESTING = [...Buffer.from(' \t\r\n:;,"<>\\@%=/?[]*0123456789z-.')].concat([0, 0x7f, 0xc3, 0xff]);

const NASTY_HEADERS = [
  'Content-Length: -1',
  'Content-Length: 99999999999999999999999999',
  'l: 5',
  'Content-Length: 0x10',
  'Via: ',
  'Via: SIP/2.0/UDP [::1',
  'Via: SIP/2.0/UDP host;branch=z9hG4bK;rport=99999',
  'v: ,,,',
  'CSeq: 99999999999999999999999 INVITE',
  'CSeq: 1',
  'Max-Forwards: 99999',
  'Max-Forwards: 0',
  'Expires: 1e9',
  'Contact: <<<<sip:a@b>>>>',
  'Contact: *',
  'Contact: "\\',
  'm: "a\\"b" <sip:x@y>;q=0.1, sip:z@w;expires=0',
  'From: "',
  'To: <sip:a@b>;tag=a;tag=b',
  'Call-ID: ',
  'i: a b c',
  'Route: <sip:[::1]:5060;lr>,,<sip:x>',
  'Record-Route: sip:a@b?x=y',
  'Subject: \x00\x01\x02',
  'X-Fold: a\r\n b\r\n\tc',
  ' leading-space: x',
  ':',
  'NoColon',
  'Authorization: Digest username="a,b",realm="r"',
  'Allow: ,,,,',
  `X-Long: ${'x'.repeat(2000)}`,
];

type Mutation = (f: Fuzzer, b: Buffer) => Buffer;

function lines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const j = b.indexOf(10, i);
    if (j < 0) {
      out.push(b.subarray(i));
      return out;
    }
    out.push(b.subarray(i, j + 1));
    i = j + 1;
  }
}

const MUTATIONS: Mutation[] = [
  // byte flips
  (f, b) => {
    const c = Buffer.from(b);
    const n = 1 + f.int(8);
    for (let k = 0; k < n && c.length > 0; k++) c[f.int(c.length)] = f.byte();
    return c;
  },
  // truncation
  (f, b) => b.subarray(0, f.int(b.length + 1)),
  // duplicate a line
  (f, b) => {
    const ls = lines(b);
    const i = f.int(ls.length);
    ls.splice(i, 0, ls[i]!);
    return Buffer.concat(ls);
  },
  // drop a line
  (f, b) => {
    const ls = lines(b);
    ls.splice(f.int(ls.length), 1);
    return Buffer.concat(ls);
  },
  // swap two lines
  (f, b) => {
    const ls = lines(b);
    const i = f.int(ls.length);
    const j = f.int(ls.length);
    [ls[i], ls[j]] = [ls[j]!, ls[i]!];
    return Buffer.concat(ls);
  },
  // header injection at a line boundary
  (f, b) => {
    const ls = lines(b);
    ls.splice(1 + f.int(Math.max(1, ls.length - 1)), 0, Buffer.from(`${f.pick(NASTY_HEADERS)}\r\n`));
    return Buffer.concat(ls);
  },
  // huge or negative numbers in place of a digit run
  (f, b) => {
    const s = b.toString('latin1');
    const runs = [...s.matchAll(/\d+/g)];
    if (runs.length === 0) return b;
    const m = f.pick(runs);
    const repl = f.pick([
      '4294967296',
      '18446744073709551617',
      '-1',
      '0',
      '9'.repeat(400),
      '00000000000000000001',
      '65536',
    ]);
    return Buffer.from(s.slice(0, m.index) + repl + s.slice(m.index + m[0].length), 'latin1');
  },
  // insert NUL / CR / LF / SP / HTAB
  (f, b) => {
    const at = f.int(b.length + 1);
    const ins = Buffer.from([f.pick([0, 13, 10, 32, 9, 13, 10])]);
    return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
  },
  // splice the head of one message onto the tail of another
  (f, b) => {
    const other = f.seed();
    return Buffer.concat([b.subarray(0, f.int(b.length + 1)), other.subarray(f.int(other.length + 1))]);
  },
  // delete a range
  (f, b) => {
    const i = f.int(b.length + 1);
    return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + f.int(40)))]);
  },
  // fold a line somewhere
  (f, b) => {
    const at = f.int(b.length + 1);
    return Buffer.concat([
      b.subarray(0, at),
      Buffer.from(f.pick(['\r\n ', '\r\n\t', '\n ', '\r\n'])),
      b.subarray(at),
    ]);
  },
  // change the line endings
  (_f, b) => Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'),
  // bloat a line past the size limit (rarely large)
  (f, b) => {
    const ls = lines(b);
    const i = f.int(ls.length);
    const times = f.chance(0.05) ? 70_000 / Math.max(1, ls[i]!.length) : 1 + f.int(20);
    ls.splice(i, 1, ...Array.from({ length: Math.ceil(times) }, () => ls[i]!));
    return Buffer.concat(ls);
  },
  // repeat a top-level comma / semicolon / quote at random
  (f, b) => {
    const at = f.int(b.length + 1);
    const ch = f.pick([',', ';', '"', '<', '>', '\\', '%', '@', ':']);
    return Buffer.concat([b.subarray(0, at), Buffer.from(ch.repeat(1 + f.int(50))), b.subarray(at)]);
  },
];

function describeCase(kind: string, n: number, input: Buffer): string {
  const shown =
    input.length > 600 ? `${input.subarray(0, 600).toString('base64')}…` : input.toString('base64');
  return `${kind} case ${n} (seed ${SEED.toString(16)}, ${input.length} octets, base64 ${shown})`;
}

function withoutContentLength(m: SipMessage): { name: string; value: string }[] {
  return m.headers.entries.filter((h) => h.name !== 'Content-Length');
}

/** The invariants every result must satisfy. */
function checkResult(r: ParseResult, where: () => string): void {
  if (!r.ok) {
    if (!(r.status >= 400 && r.status <= 599)) assert.fail(`status ${r.status} out of range: ${where()}`);
    if (typeof r.reason !== 'string' || r.reason.length === 0) assert.fail(`empty reason: ${where()}`);
    if (r.request !== undefined && r.request.kind !== 'request') assert.fail(`bad request: ${where()}`);
    return;
  }
  const m = r.message;
  const again = parseDatagram(serializeMessage(m));
  if (!again.ok) assert.fail(`accepted message does not re-parse (${again.reason}): ${where()}`);
  const a = again.message;
  const same =
    a.kind === m.kind &&
    (a.kind === 'request' && m.kind === 'request'
      ? a.method === m.method && a.uri === m.uri
      : a.kind === 'response' && m.kind === 'response' && a.status === m.status && a.reason === m.reason) &&
    a.body.equals(m.body);
  if (!same) assert.fail(`re-parse changed the start line or body: ${where()}`);
  assert.deepEqual(withoutContentLength(a), withoutContentLength(m), where());
}

function summary(results: ParseResult[]): string[] {
  return results.map((r) =>
    r.ok ? `ok ${r.message.kind} ${r.message.body.length}` : `${r.status} ${r.reason}`,
  );
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  return process.memoryUsage().heapUsed;
}

const corpus = loadRfc4475().map((e) => e.bytes);
const seeds = [...corpus, ...Object.values(SAMPLES)];

describe('fuzz: the parser never throws, never stalls, never leaks', () => {
  const heapBefore = heapUsed();

  it(`${DATAGRAM_CASES} datagrams`, () => {
    const f = new Fuzzer(SEED, seeds);
    let accepted = 0;
    for (let n = 0; n < DATAGRAM_CASES; n++) {
      const input = f.message();
      let r: ParseResult;
      try {
        r = parseDatagram(input);
      } catch (err) {
        assert.fail(`parseDatagram threw ${String(err)}: ${describeCase('datagram', n, input)}`);
      }
      checkResult(r, () => describeCase('datagram', n, input));
      if (r.ok) accepted++;
    }
    // The mutations must leave a fair share of messages valid, or the round-trip checks test nothing.
    assert.ok(accepted > DATAGRAM_CASES / 10, `accepted ${accepted}`);
  });

  it(`${STREAM_CASES} streams, cut at random points, give the same results as in one piece`, () => {
    const f = new Fuzzer(SEED ^ 0x5a5a5a5a, seeds);
    let messages = 0;
    for (let n = 0; n < STREAM_CASES; n++) {
      const parts: Buffer[] = [];
      const count = 1 + f.int(4);
      for (let k = 0; k < count; k++) {
        if (f.chance(0.2)) parts.push(Buffer.from(f.pick(['\r\n\r\n', '\r\n', '\n'])));
        parts.push(f.chance(0.5) ? f.seed() : f.message());
      }
      const stream = Buffer.concat(parts);
      const where = () => describeCase('stream', n, stream);
      try {
        const whole = new StreamFramer();
        const expected = whole.push(stream);
        const cut = new StreamFramer();
        const got: ParseResult[] = [];
        const maxChunk = f.pick([1, 2, 7, 64, 512, 4096]);
        for (let i = 0; i < stream.length;) {
          const len = 1 + f.int(maxChunk);
          got.push(...cut.push(stream.subarray(i, i + len)));
          i += len;
          if (cut.bufferedBytes > 2 * MAX_MESSAGE_SIZE + 4096)
            assert.fail(`framer holds ${cut.bufferedBytes}: ${where()}`);
        }
        assert.deepEqual(summary(got), summary(expected), where());
        assert.equal(cut.broken, whole.broken, where());
        assert.equal(cut.pongNeeded, whole.pongNeeded, where());
        for (const r of got) checkResult(r, where);
        messages += got.length;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        assert.fail(`StreamFramer threw ${String(err)}: ${where()}`);
      }
    }
    assert.ok(messages > STREAM_CASES, `framed ${messages}`);
  });

  it('adversarial inputs take linear time (no regex or concatenation blow-ups)', () => {
    const base = (extra: string) =>
      sip([
        'INVITE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: x',
        'CSeq: 1 INVITE',
        extra,
      ]);
    const n = 60_000;
    const inputs = [
      base(`Contact: ${','.repeat(n)}`),
      base(`Contact: <sip:a@b>${';x'.repeat(n / 2)}`),
      base(`Route: ${'<'.repeat(n)}`),
      base(`Accept: ${'"'.repeat(n)}`),
      base(`Via: SIP/2.0/UDP h${';a=b'.repeat(n / 4)}`),
      base(`X-Fold: a${'\r\n b'.repeat(n / 4)}`),
      base(`To: ${'a '.repeat(n / 2)}<sip:a@b>`),
      base(`Contact: <sip:${'%'.repeat(n)}@b>`),
      base(`Contact: <sip:${'@'.repeat(n)}b>`),
      Buffer.from(`INVITE ${' '.repeat(n)}sip:a@b SIP/2.0\r\n\r\n`),
      Buffer.from('\n'.repeat(n)),
      Buffer.from(`${'a:b\r\n'.repeat(n / 5)}`),
    ];
    for (const input of inputs) {
      const t0 = process.hrtime.bigint();
      const r = parseDatagram(input);
      const framer = new StreamFramer();
      for (let i = 0; i < input.length; i += 977) framer.push(input.subarray(i, i + 977));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      checkResult(r, () => input.subarray(0, 80).toString('latin1'));
      assert.ok(
        ms < 250,
        `${ms.toFixed(1)} ms for ${JSON.stringify(input.subarray(0, 60).toString('latin1'))}`,
      );
    }
  });

  it('heap growth over the run stays under 64 MiB', () => {
    const growth = heapUsed() - heapBefore;
    assert.ok(growth < 64 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(1)} MiB`);
  });
});
