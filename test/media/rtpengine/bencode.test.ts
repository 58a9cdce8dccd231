import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BencodeError,
  decode,
  decodeOrThrow,
  encode,
  type BencodeDict,
  type BencodeInput,
} from '../../../engine/media/rtpengine/bencode.js';

const enc = (v: BencodeInput): string => encode(v).toString('latin1');

function decodeError(input: string | Buffer): BencodeError {
  const r = decode(input);
  assert.equal(r.ok, false, `expected an error for ${JSON.stringify(input.toString())}`);
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof BencodeError);
  return r.error;
}

describe('bencode encode', () => {
  it('encodes the four types as in BEP 3', () => {
    assert.equal(enc(0), 'i0e');
    assert.equal(enc(-42), 'i-42e');
    assert.equal(enc(Number.MAX_SAFE_INTEGER), 'i9007199254740991e');
    assert.equal(enc(2n ** 63n), 'i9223372036854775808e');
    assert.equal(enc('spam'), '4:spam');
    assert.equal(enc(''), '0:');
    assert.equal(enc(['spam', 42]), 'l4:spami42ee');
    assert.equal(enc({ command: 'ping' }), 'd7:command4:pinge');
    assert.equal(enc([]), 'le');
    assert.equal(enc({}), 'de');
    assert.equal(enc(true), 'i1e');
  });

  it('writes string lengths in bytes (UTF-8) and Buffers byte for byte', () => {
    assert.equal(encode('é').toString('latin1'), '2:\xc3\xa9');
    assert.equal(encode('€uro').length, '6:'.length + 6);
    const raw = Buffer.from([0, 255, 0x3a, 0x65, 10]);
    assert.deepEqual(encode(raw), Buffer.concat([Buffer.from('5:'), raw]));
  });

  it('sorts dictionary keys by raw bytes and leaves out undefined members', () => {
    assert.equal(enc({ b: 1, a: 2, B: 3, aa: 4 }), 'd1:Bi3e1:ai2e2:aai4e1:bi1ee');
    assert.equal(enc({ 'to-tag': undefined, 'call-id': 'x' }), 'd7:call-id1:xe');
    // 'é' (0xc3 0xa9) sorts after every ASCII key.
    assert.equal(enc({ é: 1, z: 2 }), 'd1:zi2e2:\xc3\xa9i1ee');
  });

  it('refuses what bencode cannot express', () => {
    for (const bad of [1.5, NaN, Infinity, 2 ** 60]) assert.throws(() => encode(bad), BencodeError);
    assert.throws(() => encode(null as unknown as BencodeInput), BencodeError);
    assert.throws(() => encode([undefined] as unknown as BencodeInput), BencodeError);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => encode(cyclic as BencodeInput), /cyclic/);
  });
});

describe('bencode decode', () => {
  it('decodes rtpengine messages, keys in any order', () => {
    assert.deepEqual(decodeOrThrow('d6:result4:ponge'), { result: 'pong' });
    const r = decodeOrThrow('d6:result2:ok3:sdp4:v=0\r5:statsd7:packetsi10e5:bytesi1720eee') as BencodeDict;
    assert.equal(r['result'], 'ok');
    assert.equal(r['sdp'], 'v=0\r');
    assert.deepEqual(r['stats'], { packets: 10, bytes: 1720 });
  });

  it('round-trips nested values', () => {
    const value = {
      command: 'offer',
      'call-id': 'a84b4c76e66710@pc33.example.com',
      replace: ['origin', 'session-connection'],
      nested: { list: [1, -2, [], {}, 'x'], n: 0 },
      utf8: 's=Büro ☎',
    };
    const back = decodeOrThrow(encode(value));
    assert.equal(JSON.stringify(back), JSON.stringify(sortKeys(value)));
  });

  it('gives every byte back: latin1 and buffer modes are lossless', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const wire = encode({ bytes: all });
    const asBuf = decode(wire, { strings: 'buffer' });
    assert.ok(asBuf.ok);
    assert.deepEqual((asBuf.value as BencodeDict)['bytes'], all);
    const asLatin1 = decode(wire, { strings: 'latin1' });
    assert.ok(asLatin1.ok);
    assert.deepEqual(Buffer.from((asLatin1.value as BencodeDict)['bytes'] as string, 'latin1'), all);
  });

  it('returns big integers as bigint', () => {
    assert.equal(decodeOrThrow('i9223372036854775807e'), 9223372036854775807n);
    assert.equal(decodeOrThrow('i-9007199254740991e'), -9007199254740991);
  });

  it('keeps "__proto__" keys as plain data', () => {
    const v = decodeOrThrow('d9:__proto__d7:pollutei1eee') as BencodeDict;
    assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal((v as Record<string, unknown>)['pollute'], undefined);
    assert.equal(({} as Record<string, unknown>)['pollute'], undefined);
    assert.deepEqual(Object.keys(v), ['__proto__']);
  });

  it('reports malformed input with a reason and an offset, never throwing', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty input/],
      ['i12', /unterminated integer/],
      ['ie', /invalid integer/],
      ['i-0e', /-0/],
      ['i03e', /leading zero/],
      ['i1.5e', /invalid integer/],
      ['i--1e', /invalid integer/],
      ['i123456789012345678901e', /too long/],
      ['5:abc', /runs past the end/],
      ['03:abc', /leading zero/],
      ['3abc', /invalid character 'a' in string length/],
      ['0', /unterminated string length/],
      ['4', /exceeds the input/],
      ['99999999999999999999999:x', /exceeds the input/],
      ['l', /unexpected end/],
      ['li1e', /unexpected end/],
      ['d3:foo', /has no value/],
      ['d3:fooe', /has no value/],
      ['di1ei2ee', /key must be a string/],
      ['d1:ai1e1:ai2ee', /duplicate dictionary key "a"/],
      ['x', /unexpected character 'x'/],
      ['e', /unexpected 'e'/],
      ['i1ei2e', /trailing/],
      ['\x00', /0x00/],
    ];
    for (const [input, reason] of cases) {
      const err = decodeError(input);
      assert.match(err.message, reason, `input ${JSON.stringify(input)}: ${err.message}`);
      assert.ok(
        err.offset >= 0 && err.offset <= input.length,
        `offset ${err.offset} for ${JSON.stringify(input)}`,
      );
    }
    assert.equal(decodeError('d3:fooi1e3:bar').offset, 14);
  });

  it('bounds nesting instead of overflowing the stack', () => {
    const deep = 'l'.repeat(200_000) + 'e'.repeat(200_000);
    assert.match(decodeError(deep).message, /nesting deeper than 64/);
    assert.ok(decode('l'.repeat(64) + 'e'.repeat(64)).ok);
    assert.ok(decode('l'.repeat(200) + 'e'.repeat(200), { maxDepth: 300 }).ok);
  });

  it('allowTrailing reports where the value ended', () => {
    const r = decode('i1eXYZ', { allowTrailing: true });
    assert.ok(r.ok);
    assert.equal(r.end, 3);
  });

  it('survives random and mutated input (fuzz)', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const valid = encode({
      command: 'offer',
      sdp: 'v=0\r\nm=audio 4000 RTP/AVP 0\r\n',
      flags: ['trust-address'],
      n: [1, -2, { x: 'y' }],
    });
    const alphabet = Buffer.from('ilde:0123456789-x ');
    for (let i = 0; i < 5000; i++) {
      let input: Buffer;
      if (i % 2 === 0) {
        input = Buffer.from(valid);
        for (let k = 0, m = 1 + rand(4); k < m; k++)
          input[rand(input.length)] = alphabet[rand(alphabet.length)]!;
        if (rand(4) === 0) input = input.subarray(0, rand(input.length));
      } else {
        input = Buffer.from(Array.from({ length: rand(40) }, () => alphabet[rand(alphabet.length)]!));
      }
      const r = decode(input); // must not throw
      if (!r.ok) {
        assert.ok(r.error instanceof BencodeError);
        assert.doesNotMatch(r.error.message, /internal decoder error/);
      }
    }
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}
