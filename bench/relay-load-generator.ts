// The relay load probe's Node traffic generator (`--generator node`), a child process of bench/relay-load.ts
// (never the relay's own process); relay_load_generator.py is the same in Python and the default. It opens
// one UDP socket per leg, sends 20 ms G.711-sized RTP packets (50 pps per leg) spread evenly over each
// 20 ms, stamps every packet with its send time and measures when it comes back through the relay.
// Speaks JSON lines on stdin/stdout (see relay_load_generator.py).
import dgram from 'node:dgram';
import readline from 'node:readline';

type Command =
  | { type: 'open'; legs: number; sockets?: number }
  | { type: 'run'; targets: number[]; seconds: number; warmup?: number }
  | { type: 'close' };

export type GeneratorReply =
  | { type: 'ports'; ports: number[]; pinnedCpu?: number }
  | { type: 'started' }
  /** After the warm-up (C generator, bench/rtp-loadgen.c): what follows is measured. */
  | { type: 'measuring' }
  | {
      type: 'result';
      sent: number;
      received: number;
      seconds: number;
      latencyMs: { p50: number | null; p99: number | null; max: number | null };
      /** Ticks the generator fell behind its schedule by more than 20 ms (it is then the bottleneck). */
      lateTicks: number;
      // Only the C generator (bench/rtp-loadgen.c) reports these.
      /** `kernel`: latency runs to the kernel's receive timestamp (SO_TIMESTAMPNS), not to when it was read. */
      timestamps?: 'kernel' | 'user';
      /** Latency up to when the generator read the packet (its own scheduling delay included). */
      userLatencyMs?: { p50: number | null; p99: number | null; max: number | null };
      /** How late the sender woke for its send slots. */
      wakeLateMs?: { p50: number | null; p99: number | null; max: number | null };
      ticks?: number;
      sendCalls?: number;
      sendErrors?: number;
      /** Packets received with a lower (reordered) or the same (duplicate) sequence number as before. */
      reordered?: number;
      duplicates?: number;
      /** The generator's own CPU time while sending. */
      cpuSeconds?: number;
      pinnedCpu?: number;
      /** The sender thread ran SCHED_FIFO. */
      realtime?: boolean;
      sockets?: number;
      slots?: number;
    };

const LOOPBACK = '127.0.0.1';
const PACKET_MS = 20;
/** Slots per 20 ms: legs send in turn, not all at once. */
const SLOTS = 10;
/** Latency histogram: 10 µs bins up to 500 ms. */
const BIN_MS = 0.01;
const BINS = 50_000;

const sockets: dgram.Socket[] = [];
const histogram = new Uint32Array(BINS);
let received = 0;
let counting = false;

function send(msg: GeneratorReply): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

async function open(legs: number, count: number): Promise<void> {
  const own: dgram.Socket[] = [];
  for (let i = 0; i < Math.min(legs, count); i++) {
    const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    await new Promise<void>((resolve) => s.bind(0, LOOPBACK, resolve));
    s.on('message', (msg) => {
      if (!counting || msg.length < 20) return;
      received++;
      const ms = performance.now() - msg.readDoubleLE(12);
      const bin = Math.min(BINS - 1, Math.max(0, Math.floor(ms / BIN_MS)));
      histogram[bin]!++;
    });
    own.push(s);
  }
  for (let i = 0; i < legs; i++) sockets.push(own[i % own.length]!);
  send({ type: 'ports', ports: sockets.map((s) => s.address().port) });
}

function percentile(p: number): number {
  let total = 0;
  for (const n of histogram) total += n;
  if (total === 0) return NaN;
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    seen += histogram[i]!;
    if (seen >= total * p) return (i + 0.5) * BIN_MS;
  }
  return NaN;
}

function maxLatency(): number {
  for (let i = BINS - 1; i >= 0; i--) if (histogram[i]! > 0) return (i + 1) * BIN_MS;
  return NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function run(targets: number[], seconds: number): Promise<void> {
  // One packet per leg first, so that the relay latches every source; then start counting.
  const prime = Buffer.alloc(172);
  prime[0] = 0x80;
  sockets.forEach((s, i) => s.send(prime, targets[i]!, LOOPBACK));
  await sleep(500);
  histogram.fill(0);
  received = 0;
  counting = true;
  send({ type: 'started' });

  const packets = sockets.map((_, i) => {
    const b = Buffer.alloc(172);
    b[0] = 0x80;
    b.writeUInt32BE(0x10000 + i, 8); // SSRC
    return b;
  });
  const seqs = new Uint16Array(sockets.length);
  let sent = 0;
  let lateTicks = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const slotMs = PACKET_MS / SLOTS;
  for (let tick = 0; ; tick++) {
    const due = start + tick * slotMs;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -PACKET_MS) lateTicks++;
    const slot = tick % SLOTS;
    for (let i = slot; i < sockets.length; i += SLOTS) {
      const b = packets[i]!;
      const seq = ++seqs[i]!;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE((seq * 160) >>> 0, 4);
      b.writeDoubleLE(performance.now(), 12);
      sockets[i]!.send(b, targets[i]!, LOOPBACK);
      sent++;
    }
    // Let the receive callbacks run between slots even when behind schedule.
    if (wait <= 0) await new Promise((r) => setImmediate(r));
  }
  const elapsed = (performance.now() - start) / 1000;
  // The last packets come back: wait until 200 ms pass without any (at most 10 s of backlog).
  for (let last = -1, quiet = 0; quiet < 4 && performance.now() - start < (seconds + 10) * 1000;) {
    await sleep(50);
    quiet = received === last ? quiet + 1 : 0;
    last = received;
  }
  counting = false;
  send({
    type: 'result',
    sent,
    received,
    seconds: elapsed,
    latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: maxLatency() },
    lateTicks,
  });
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as Command;
  switch (cmd.type) {
    case 'open':
      void open(cmd.legs, cmd.sockets ?? cmd.legs);
      break;
    case 'run':
      void run(cmd.targets, cmd.seconds);
      break;
    case 'close':
      for (const s of new Set(sockets)) s.close();
      process.exit(0);
  }
});
