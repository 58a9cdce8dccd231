/**
 * NgClient against scripted fake ng servers on loopback (no rtpengine needed): cookie matching,
 * retransmission with the same cookie, fail-over, stickiness, garbled and stray replies.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import {
  decodeOrThrow,
  encode,
  type BencodeDict,
  type BencodeInput,
} from '../../../engine/media/rtpengine/bencode.js';
import {
  hashCallId,
  NgClient,
  NgCommandError,
  NgProtocolError,
  NgTimeoutError,
  parseHostPort,
} from '../../../engine/media/rtpengine/ng-client.js';

interface Received {
  cookie: string;
  dict: BencodeDict;
  from: dgram.RemoteInfo;
}

/** A fake ng server: `reply` decides per datagram what (if anything) to send back. */
async function fakeServer(
  reply: (req: Received, nth: number) => Buffer | BencodeInput | null,
): Promise<{ addr: string; got: Received[]; socket: dgram.Socket; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const got: Received[] = [];
  socket.on('message', (msg, from) => {
    const space = msg.indexOf(0x20);
    const req = {
      cookie: msg.toString('latin1', 0, space),
      dict: decodeOrThrow(msg.subarray(space + 1)) as BencodeDict,
      from,
    };
    got.push(req);
    const out = reply(req, got.length);
    if (out === null) return;
    const body = Buffer.isBuffer(out) ? out : encode(out);
    socket.send(Buffer.concat([Buffer.from(`${req.cookie} `), body]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  servers.push(socket);
  return {
    addr: `127.0.0.1:${socket.address().port}`,
    got,
    socket,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

const servers: dgram.Socket[] = [];
const clients: NgClient[] = [];
function client(...args: ConstructorParameters<typeof NgClient>): NgClient {
  const c = new NgClient(...args);
  clients.push(c);
  return c;
}

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(
    servers
      .map((s) => new Promise<void>((resolve) => s.close(() => resolve())))
      .map((p) => p.catch(() => undefined)),
  );
});

/** The `skip`-th call id that hashes to instance `index` of `count`. */
function callIdFor(index: number, count: number, skip = 0): string {
  for (let i = 0; ; i++) if (hashCallId(`cid-${i}`) % count === index && skip-- === 0) return `cid-${i}`;
}

describe('NgClient', () => {
  it('parses host:port forms and rejects bad ones', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:22222'), { host: '127.0.0.1', port: 22222 });
    assert.deepEqual(parseHostPort('[::1]:22222'), { host: '::1', port: 22222 });
    assert.deepEqual(parseHostPort('rtp.local:1'), { host: 'rtp.local', port: 1 });
    for (const bad of ['127.0.0.1', ':22', 'x:0', 'x:70000', '::1:22'])
      assert.throws(() => parseHostPort(bad));
    assert.throws(() => new NgClient({ servers: [] }), /no rtpengine address/);
  });

  it('sends `<cookie> <bencode>` and matches the reply by cookie', async () => {
    const srv = await fakeServer(() => ({ result: 'ok', echo: 'yes' }));
    const c = client({ servers: [srv.addr] });
    const [a, b] = await Promise.all([
      c.request('query', { 'call-id': 'a' }),
      c.request('query', { 'call-id': 'b' }),
    ]);
    assert.equal(a.dict['echo'], 'yes');
    assert.equal(b.server, srv.addr);
    assert.equal(srv.got.length, 2);
    assert.notEqual(srv.got[0]!.cookie, srv.got[1]!.cookie);
    assert.match(srv.got[0]!.cookie, /^[0-9a-f]{8}_[0-9a-z]+$/);
    assert.equal(srv.got[0]!.dict['command'], 'query');
  });

  it('retransmits with the same cookie until a reply comes', async () => {
    const srv = await fakeServer((_req, nth) => (nth < 3 ? null : { result: 'pong' }));
    const c = client({ servers: [srv.addr], retryTimeoutsMs: [100, 100, 100] });
    const t0 = Date.now();
    const r = await c.request('ping');
    assert.equal(r.dict['result'], 'pong');
    assert.equal(srv.got.length, 3);
    assert.equal(new Set(srv.got.map((g) => g.cookie)).size, 1, 'one cookie for all tries');
    assert.ok(Date.now() - t0 >= 190);
  });

  it('times out after the retry budget with NgTimeoutError', async () => {
    const srv = await fakeServer(() => null);
    const c = client({ servers: [srv.addr], retryTimeoutsMs: [100, 150] });
    assert.equal(c.retryBudgetMs, 250);
    const t0 = Date.now();
    await assert.rejects(c.request('ping'), NgTimeoutError);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 240 && elapsed < 600, `${elapsed} ms`);
    assert.equal(srv.got.length, 2);
  });

  it('turns result:error into NgCommandError and load limit too', async () => {
    const srv = await fakeServer((req) =>
      req.dict['command'] === 'offer'
        ? { result: 'error', 'error-reason': 'Ran out of ports' }
        : { result: 'load limit', message: 'too many sessions' },
    );
    const c = client({ servers: [srv.addr] });
    await assert.rejects(
      c.request('offer', {}),
      (e: unknown) => e instanceof NgCommandError && e.reason === 'Ran out of ports',
    );
    await assert.rejects(
      c.request('answer', {}),
      (e: unknown) => e instanceof NgCommandError && e.reason === 'too many sessions',
    );
  });

  it('rejects garbled replies and unexpected results with NgProtocolError', async () => {
    const srv = await fakeServer((req) =>
      req.dict['command'] === 'a'
        ? Buffer.from('d6:result')
        : req.dict['command'] === 'b'
          ? Buffer.from('le')
          : { result: 'maybe' },
    );
    const c = client({ servers: [srv.addr] });
    await assert.rejects(
      c.request('a'),
      (e: unknown) => e instanceof NgProtocolError && /garbled reply.*has no value/.test(e.message),
    );
    await assert.rejects(c.request('b'), /not a dictionary/);
    await assert.rejects(c.request('c'), /unexpected result "maybe"/);
  });

  it('ignores replies from the wrong source and with unknown cookies', async () => {
    const srv = await fakeServer(() => null);
    const intruder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => intruder.bind(0, '127.0.0.1', resolve));
    servers.push(intruder);
    const c = client({ servers: [srv.addr], retryTimeoutsMs: [300] });
    const p = c.request('ping');
    await new Promise((r) => setTimeout(r, 50));
    const req = srv.got[0]!;
    // The right cookie from the wrong port, then garbage, then the real reply.
    intruder.send(`${req.cookie} d6:result5:evile`, req.from.port, '127.0.0.1');
    srv.socket.send(`unknown-cookie d6:result4:ponge`, req.from.port, '127.0.0.1');
    srv.socket.send('no-space-here', req.from.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    srv.socket.send(`${req.cookie} d6:result4:ponge`, req.from.port, '127.0.0.1');
    assert.equal((await p).dict['result'], 'pong');
  });

  it('picks the instance by Call-ID hash, fails over on timeout and sticks to the instance that answered', async () => {
    const dead = await fakeServer(() => null);
    const live = await fakeServer(() => ({ result: 'ok' }));
    const c = client({ servers: [dead.addr, live.addr], retryTimeoutsMs: [80, 80] });
    const onDead = callIdFor(0, 2);
    const onLive = callIdFor(1, 2);
    assert.equal(c.serverFor(onDead), dead.addr);
    assert.equal(c.serverFor(onLive), live.addr);

    const r = await c.request('offer', { 'call-id': onDead }, { callId: onDead });
    assert.equal(r.server, live.addr);
    assert.equal(dead.got.length, 2, 'two tries on the hashed instance first');
    assert.equal(c.serverFor(onDead), live.addr, 'sticky after fail-over');

    // The dead one is now marked down: another new call hashing to it goes straight to the live one.
    const other = callIdFor(0, 2, 1);
    const before = dead.got.length;
    const r2 = await c.request('offer', {}, { callId: other });
    assert.equal(r2.server, live.addr);
    assert.equal(dead.got.length, before, 'a down instance is skipped while another is up');

    // A call known to live on an instance does not fail over: no other instance has its state.
    await live.close();
    await assert.rejects(c.request('answer', {}, { callId: onDead }), (e: unknown) => {
      assert.ok(e instanceof NgTimeoutError);
      assert.deepEqual(e.servers, [live.addr]);
      return true;
    });
    assert.equal(dead.got.length, before, 'no fail-over for a known call');
  });

  it('pings every instance and reports health', async () => {
    const up = await fakeServer(() => ({ result: 'pong' }));
    const down = await fakeServer(() => null);
    const c = client({ servers: [up.addr, down.addr], retryTimeoutsMs: [100] });
    const res = await c.ping();
    assert.deepEqual(
      res.map((r) => [r.server, r.ok]),
      [
        [up.addr, true],
        [down.addr, false],
      ],
    );
    assert.match(res[1]!.error ?? '', /did not answer 'ping'/);
    assert.deepEqual(
      (await c.ping(up.addr)).map((r) => r.ok),
      [true],
    );
    assert.equal((await c.ping('1.2.3.4:5'))[0]?.ok, false);
  });

  it('close() rejects pending requests and later ones', async () => {
    const srv = await fakeServer(() => null);
    const c = new NgClient({ servers: [srv.addr] });
    const p = c.request('ping');
    await new Promise((r) => setTimeout(r, 20));
    await c.close();
    await assert.rejects(p, /closed/);
    await assert.rejects(c.request('ping'), /closed/);
  });

  it('hashes Call-IDs stably and spreads them', () => {
    assert.equal(hashCallId('abc'), hashCallId('abc'));
    assert.equal(hashCallId(''), 0x811c9dc5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[hashCallId(`${i}@host`) % 3]!++;
    for (const n of counts) assert.ok(n > 800, `uneven spread ${counts.join(',')}`);
  });
});
