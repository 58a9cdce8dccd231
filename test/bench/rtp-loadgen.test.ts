/**
 * The relay benchmark's C load generator (bench/rtp-loadgen.c): compiled with the system C compiler as the
 * bench does, driven over its JSON-lines protocol against a tiny UDP echo in this process (a stand-in relay).
 * A few hundred packets, about 2 s a run: counts, ordering, duplicates and latency must come out right, so
 * a broken generator shows here rather than as odd benchmark figures. Skipped when no C compiler exists.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { buildCGenerator } from '../../bench/c-generator.js';
import { Generator } from '../../bench/relay-generator.js';

const build = buildCGenerator();
const skip = build.ok ? false : `no C compiler to build the load generator: ${build.reason}`;

/** Echoes every datagram to its sender; `drop(n)` / `duplicate(n)` decide for the n-th one (1-based). */
class Echo {
  readonly socket = dgram.createSocket('udp4');
  seen = 0;
  dropped = 0;
  duplicated = 0;
  drop: (n: number) => boolean = () => false;
  duplicate: (n: number) => boolean = () => false;

  async start(): Promise<number> {
    this.socket.on('message', (msg, from) => {
      const n = ++this.seen;
      if (this.drop(n)) {
        this.dropped++;
        return;
      }
      this.socket.send(msg, from.port, from.address);
      if (this.duplicate(n)) {
        this.duplicated++;
        this.socket.send(msg, from.port, from.address);
      }
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return this.socket.address().port;
  }

  reset(): void {
    this.seen = this.dropped = this.duplicated = 0;
  }
}

const LEGS = 6;
const SOCKETS = 3; // legs share sockets, as in the bench

describe('C load generator (bench/rtp-loadgen.c)', { skip, timeout: 60_000 }, () => {
  const echo = new Echo();
  let gen: Generator;
  let targets: number[];

  before(async () => {
    const port = await echo.start();
    gen = new Generator('c');
    gen.command({ type: 'open', legs: LEGS, sockets: SOCKETS, realtime: 0 });
    const { ports } = await gen.next('ports');
    assert.equal(ports.length, LEGS);
    assert.equal(new Set(ports).size, SOCKETS, 'leg i uses socket i % K');
    targets = ports.map(() => port);
  });

  after(() => {
    gen?.close();
    echo.socket.close();
  });

  async function run(seconds: number) {
    gen.command({ type: 'run', targets, seconds });
    await gen.next('started'); // after the priming packet of each leg, which is not counted
    echo.reset();
    return gen.next('result');
  }

  it('sends 50 packets a second per leg and gets every one back, in order, with a latency', async () => {
    const r = await run(1);
    assert.equal(r.sent, LEGS * 50, '20 ms packets for 1 s on every leg');
    assert.equal(r.received, r.sent);
    assert.equal(r.reordered, 0);
    assert.equal(r.duplicates, 0);
    assert.equal(r.sendErrors, 0);
    assert.ok(r.seconds > 0.9 && r.seconds < 1.5, `ran ${r.seconds} s`);
    assert.ok(r.timestamps === 'kernel' || r.timestamps === 'user');
    for (const l of [r.latencyMs, r.userLatencyMs!]) {
      assert.ok(l.p50 !== null && l.p99 !== null && l.max !== null, JSON.stringify(l));
      assert.ok(l.p50 > 0 && l.p50 <= l.p99 && l.p99 <= l.max + 0.001, JSON.stringify(l));
      assert.ok(l.max < 1000, `an echo on loopback answers within a second: ${JSON.stringify(l)}`);
    }
    assert.equal(typeof r.lateTicks, 'number');
    assert.equal(r.ticks, 1000, 'one send slot per millisecond');
    assert.ok(r.cpuSeconds! >= 0);
  });

  it('counts what the relay dropped or duplicated, and runs again on the same sockets', async () => {
    echo.drop = (n) => n % 10 === 0;
    echo.duplicate = (n) => n % 25 === 1;
    const r = await run(1);
    assert.equal(r.sent, LEGS * 50);
    assert.equal(echo.seen, r.sent, 'the echo saw every packet');
    assert.equal(r.received, r.sent - echo.dropped + echo.duplicated);
    assert.equal(r.duplicates, echo.duplicated);
    assert.equal(r.reordered, 0);
  });
});
