/** RFC 3261 §18.3 stream framing and RFC 5626 §3.5.1 CRLF keep-alives, through StreamFramer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MESSAGE_SIZE, StreamFramer, type ParseResult } from '../../../engine/sip/message/index.js';
import { SAMPLES, sip } from './support.js';

const HEAD = [
  'MESSAGE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/TCP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: <sip:bob@biloxi.com>',
  'From: <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.com',
  'CSeq: 1 MESSAGE',
];

function message(body: Buffer | string, extra: string[] = []): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([sip([...HEAD, ...extra, `Content-Length: ${b.length}`]), b]);
}

function bodies(results: ParseResult[]): string[] {
  return results.map((r) => (r.ok ? r.message.body.toString('latin1') : `!${r.status}`));
}

describe('StreamFramer', () => {
  it('several messages in one chunk', () => {
    const f = new StreamFramer();
    const chunk = Buffer.concat([message('one'), SAMPLES.invite!, message(''), message('three')]);
    const results = f.push(chunk);
    assert.equal(results.length, 4);
    assert.deepEqual(bodies([results[0]!, results[2]!, results[3]!]), ['one', '', 'three']);
    assert.equal(f.bufferedBytes, 0);
  });

  it('byte by byte gives the same messages (partial reads)', () => {
    const stream = Buffer.concat([
      message('hello'),
      Buffer.from('\r\n\r\n'),
      SAMPLES.ringing!,
      message('x\r\n\r\ny'),
    ]);
    const f = new StreamFramer();
    const results: ParseResult[] = [];
    for (let i = 0; i < stream.length; i++) results.push(...f.push(stream.subarray(i, i + 1)));
    assert.equal(results.length, 3);
    assert.ok(results.every((r) => r.ok));
    assert.deepEqual(bodies([results[0]!, results[2]!]), ['hello', 'x\r\n\r\ny']);
    assert.equal(f.pongNeeded, 1);
  });

  it('the body is framed by Content-Length, never by scanning: binary octets and CRLFCRLF inside', () => {
    const body = Buffer.from([0, 13, 10, 13, 10, 255, 0x53, 0x49, 0x50]);
    const [r] = new StreamFramer().push(message(body));
    assert.ok(r?.ok);
    assert.deepEqual(r.message.body, body);
  });

  it('a message waits for its whole body', () => {
    const m = message('0123456789');
    const f = new StreamFramer();
    assert.deepEqual(f.push(m.subarray(0, m.length - 3)), []);
    assert.equal(f.bufferedBytes, m.length - 3);
    const rest = f.push(m.subarray(m.length - 3));
    assert.deepEqual(bodies(rest), ['0123456789']);
  });

  it('a missing Content-Length on a stream means an empty body (§18.3 makes it mandatory)', () => {
    const noCl = sip(HEAD);
    const results = new StreamFramer().push(Buffer.concat([noCl, message('next')]));
    assert.deepEqual(bodies(results), ['', 'next']);
  });

  it('CRLFCRLF between messages is a ping: pongNeeded counts it and onPing is called (RFC 5626 §3.5.1)', () => {
    let pings = 0;
    const f = new StreamFramer({ onPing: () => pings++ });
    assert.deepEqual(f.push(Buffer.from('\r\n\r\n')), []);
    assert.equal(f.pongNeeded, 1);
    f.push(Buffer.from('\r\n'));
    f.push(Buffer.from('\r\n'));
    assert.equal(f.pongNeeded, 2, 'a ping split across reads');
    assert.equal(pings, 2);
    assert.equal(f.takePongs(), 2);
    assert.equal(f.pongNeeded, 0);
    f.pongNeeded = 0;
    const r = f.push(Buffer.concat([Buffer.from('\r\n'), message('after a pong')]));
    assert.deepEqual(bodies(r), ['after a pong'], 'a single CRLF (a pong) is skipped, not a ping');
    assert.equal(f.pongNeeded, 0);
    assert.equal(f.broken, false);
  });

  it('an invalid but well-framed message is refused and the stream goes on', () => {
    const bad = Buffer.concat([
      sip(HEAD.filter((l) => !l.startsWith('Call-ID')).concat('Content-Length: 2')),
      Buffer.from('ab'),
    ]);
    const f = new StreamFramer();
    const results = f.push(Buffer.concat([bad, message('ok')]));
    assert.equal(results.length, 2);
    assert.ok(!results[0]!.ok && results[0]!.status === 400 && results[0]!.request?.method === 'MESSAGE');
    assert.deepEqual(bodies([results[1]!]), ['ok']);
    assert.equal(f.broken, false);
  });

  for (const [label, cl] of [
    ['negative', '-1'],
    ['non-numeric', 'abc'],
  ] as const) {
    it(`a ${label} Content-Length breaks the stream with a 400`, () => {
      const f = new StreamFramer();
      const results = f.push(Buffer.concat([sip([...HEAD, `Content-Length: ${cl}`]), message('lost')]));
      assert.equal(results.length, 1);
      assert.ok(!results[0]!.ok && results[0]!.status === 400 && results[0]!.request !== undefined);
      assert.equal(f.broken, true);
      assert.deepEqual(f.push(message('ignored')), [], 'nothing after framing is lost');
    });
  }

  it('conflicting Content-Length values break the stream (RFC 4475 mcl01)', () => {
    const f = new StreamFramer();
    const [r] = f.push(sip([...HEAD, 'Content-Length: 13', 'Content-Length: 5']));
    assert.ok(r && !r.ok && r.status === 400);
    assert.equal(f.broken, true);
  });

  it(`a body that would take the message past ${MAX_MESSAGE_SIZE} octets is a 413 and breaks the stream`, () => {
    const f = new StreamFramer();
    const [r] = f.push(sip([...HEAD, `Content-Length: ${MAX_MESSAGE_SIZE}`]));
    assert.ok(r && !r.ok && r.status === 413 && r.request?.method === 'MESSAGE');
    assert.equal(f.broken, true);
  });

  it('a head that grows past 64 KiB without its empty line is a 413 and breaks the stream', () => {
    const f = new StreamFramer();
    const results: ParseResult[] = [];
    results.push(...f.push(Buffer.from(`${HEAD.join('\r\n')}\r\n`)));
    const line = Buffer.from(`X-Filler: ${'a'.repeat(1000)}\r\n`);
    for (let i = 0; i < 70 && !f.broken; i++) results.push(...f.push(line));
    assert.equal(results.length, 1);
    assert.ok(!results[0]!.ok && results[0]!.status === 413);
    assert.equal(f.broken, true);
    assert.equal(f.bufferedBytes, 0, 'the buffer is released');
  });

  it('a message of exactly 64 KiB still passes', () => {
    let size = MAX_MESSAGE_SIZE - message('').length;
    let m = message('z'.repeat(size));
    size -= m.length - MAX_MESSAGE_SIZE;
    m = message('z'.repeat(size));
    assert.equal(m.length, MAX_MESSAGE_SIZE);
    const [r] = new StreamFramer().push(m);
    assert.ok(r?.ok);
  });

  it('a first line that is not SIP at all breaks the stream', () => {
    const f = new StreamFramer();
    const [r] = f.push(Buffer.from('GET / HTTP/1.1\r\nHost: pbx\r\n\r\n'));
    assert.ok(r && !r.ok && r.status === 400 && r.request === undefined);
    assert.equal(f.broken, true);
  });

  it('a bad response is dropped without breaking framing', () => {
    const f = new StreamFramer();
    const bad = Buffer.from(SAMPLES.ringing!.toString().replace('180 Ringing', '999 Nope'));
    const results = f.push(Buffer.concat([bad, SAMPLES.ringing!]));
    assert.equal(results.length, 2);
    assert.ok(!results[0]!.ok && results[0]!.request === undefined);
    assert.ok(results[1]!.ok);
    assert.equal(f.broken, false);
  });
});
