// Relay load probe (not part of `npm test`): N calls anchored in the BuiltinRelay in this process through
// offer/answer, G.711-sized RTP at 50 pps per direction per call from a separate generator process
// (bench/relay-load-generator.ts). Prints, per call count: packets/s forwarded, loss, latency through the
// relay (p50/p99) and what the generator alone measures on plain loopback at the same rate, the relay's
// CPU per forwarded packet (process.cpuUsage of this process: main thread and workers), and the main event
// loop's delay under the load (the loop SIP signalling shares).
//
//   node dist/bench/relay-load.js [--calls 100,300,1000] [--seconds 10] [--workers N] [--no-baseline]
//                                 [--generator python|node] [--sockets K] [--relay builtin|rtpengine|both]
//                                 [--sip-probe RATE]
//
// --sip-probe RATE then starts the whole engine in this process and measures SIP OPTIONS response times
// (p50/p99, from a separate probe process at RATE per second) with its relay idle and while it carries the
// largest call count (bench/sip-under-media.ts).
//
// --relay rtpengine|both drives rtpengine (userspace, started with ../shared/rig/rtpengine/run.sh, ng on
// NG_PORT or 22222, media 30000-39999) through the RtpengineDriver with the same generator and load, its
// CPU read from /proc, so the two relays are compared in the same run.
//
// --sockets K lets the generator's legs share K sockets (the relay latches each of its own sockets to
// whatever sends to it, so this changes nothing on the relay side but makes the generator cheaper).
//
// The default generator is bench/relay_load_generator.py (an epoll loop like the rig's relay_load.py): it
// spends less CPU per packet than a Node one, which matters when generator and relay share two cores.
// Compare with the rig's relay_load.py (README, "Relay load probe") at the same offered load.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RelayDriver } from '../engine/media/index.js';
import { figure, note } from './bench-output.js';
import { Generator, setUpCalls } from './relay-generator.js';
import { builtinRelay, rtpengineRelay, type RelayUnderTest } from './relays-under-test.js';
import { sipUnderMedia } from './sip-under-media.js';

interface Options {
  calls: number[];
  seconds: number;
  workers: number | undefined;
  baseline: boolean;
  generator: 'python' | 'node';
  /** Generator sockets (legs share them round-robin); 0 = one per leg. */
  sockets: number;
  relay: 'builtin' | 'rtpengine' | 'both';
  /** OPTIONS per second of the SIP responsiveness probe under the largest media load; 0 = no probe. */
  sipProbe: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    calls: [100, 300, 1000],
    seconds: 10,
    workers: undefined,
    baseline: true,
    generator: 'python',
    sockets: 0,
    relay: 'builtin',
    sipProbe: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--calls' && v) o.calls = v.split(',').map(Number);
    else if (a === '--seconds' && v) o.seconds = Number(v);
    else if (a === '--workers' && v) o.workers = Number(v);
    else if (a === '--generator' && (v === 'python' || v === 'node')) o.generator = v;
    else if (a === '--sockets' && v) o.sockets = Number(v);
    else if (a === '--sip-probe' && v) o.sipProbe = Number(v);
    else if (a === '--relay' && (v === 'builtin' || v === 'rtpengine' || v === 'both')) o.relay = v;
    else if (a === '--no-baseline') {
      o.baseline = false;
      continue;
    } else throw new Error(`unknown argument ${a}`);
    i++;
  }
  return o;
}

/** Kernel UDP counters (Linux /proc/net/snmp): receive-buffer overflows anywhere on the machine. */
function udpRcvbufErrors(): number {
  try {
    const lines = fs
      .readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    return Number(values[names.indexOf('RcvbufErrors')] ?? NaN);
  } catch {
    return NaN;
  }
}

/** Packets the relay received from all phones so far (both directions of every call). */
async function relayReceived(relay: RelayDriver, calls: number): Promise<number> {
  let total = 0;
  for (let c = 0; c < calls; c++) {
    const s = await relay.query(`load-${c}`);
    for (const st of s?.streams ?? []) total += st.callerToCallee.packets + st.calleeToCaller.packets;
  }
  return total;
}

interface RunFigures {
  pps: number;
  offeredPps: number;
  loss: number;
  p50: number;
  p99: number;
  cpuUsPerPacket: number;
  cpuPercent: number;
  loopDelayP99Ms: number;
  lateTicks: number;
  sent: number;
  received: number;
  rcvbufErrors: number;
}

const LOOP_SAMPLE_MS = 10;

/** One timed run: `targets[i]` is where leg i sends. Loop delay is this process's. */
async function drive(
  gen: Generator,
  relay: RelayUnderTest,
  targets: number[],
  seconds: number,
): Promise<RunFigures> {
  // Sampled every 10 ms: a 1 ms timer alone wakes this process 1,000 times a second, CPU that would be
  // charged to the relay (the SIP probe, bench/sip-under-media.ts, measures responsiveness directly).
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  gen.command({ type: 'run', targets, seconds });
  await gen.next('started');
  const cpu0 = relay.cpuSeconds();
  const overflows0 = udpRcvbufErrors();
  loop.enable();
  const result = await gen.next('result');
  loop.disable();
  const cpuSeconds = relay.cpuSeconds() - cpu0;
  const rcvbufErrors = udpRcvbufErrors() - overflows0;
  return {
    pps: result.received / result.seconds,
    offeredPps: result.sent / result.seconds,
    loss: (result.sent - result.received) / Math.max(1, result.sent),
    p50: result.latencyMs.p50 ?? NaN,
    p99: result.latencyMs.p99 ?? NaN,
    cpuUsPerPacket: (cpuSeconds / Math.max(1, result.received)) * 1e6,
    cpuPercent: (cpuSeconds / result.seconds) * 100,
    // The histogram holds whole sampling intervals: the delay is what exceeds the interval.
    loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_SAMPLE_MS),
    lateTicks: result.lateTicks,
    sent: result.sent,
    received: result.received,
    rcvbufErrors,
  };
}

async function probe(calls: number, kind: 'builtin' | 'rtpengine', o: Options): Promise<RunFigures> {
  const relay = kind === 'builtin' ? builtinRelay(o.workers) : await rtpengineRelay();
  const gen = new Generator(o.generator);
  try {
    gen.command({ type: 'open', legs: 2 * calls, sockets: o.sockets || 2 * calls });
    const { ports } = await gen.next('ports');
    const setupStart = performance.now();
    const targets = await setUpCalls(relay.driver, ports);
    const setupMs = performance.now() - setupStart;
    note(
      `${calls} calls set up in ${setupMs.toFixed(0)} ms (${kind}, ${o.generator} generator, ` +
        `${o.sockets || 2 * calls} generator sockets); driving ${o.seconds} s through the relay`,
    );
    const r = await drive(gen, relay, targets, o.seconds);
    // Where any loss happened: before the relay (it never got the packet) or after (it sent it on).
    // The priming packet of each leg is in the relay's counts and not in the generator's.
    const atRelay = (await relayReceived(relay.driver, calls)) - 2 * calls;
    let base: RunFigures | undefined;
    if (o.baseline) {
      note(`${calls} calls: the same load straight between the generator's legs (no relay)`);
      base = await drive(
        gen,
        relay,
        ports.map((_, i) => ports[i ^ 1]!),
        o.seconds,
      );
    }
    const stats = await relay.driver.query('load-0');
    note(
      `${kind} ${calls} calls: offered ${r.offeredPps.toFixed(0)} pps, forwarded ${r.pps.toFixed(0)} pps, ` +
        `loss ${(r.loss * 100).toFixed(4)}%, latency p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms` +
        (base ? ` (loopback alone p50 ${base.p50.toFixed(3)} p99 ${base.p99.toFixed(3)})` : '') +
        `, relay CPU ${r.cpuPercent.toFixed(0)}% = ${r.cpuUsPerPacket.toFixed(2)} µs/packet, ` +
        (relay.inProcess ? `main loop delay p99 ${r.loopDelayP99Ms.toFixed(2)} ms, ` : '') +
        `generator late ticks ${r.lateTicks}; sent ${r.sent}, relay received ${atRelay}, ` +
        `generator received ${r.received}, kernel UDP receive-buffer overflows ${r.rcvbufErrors}; ` +
        `call 0 stats: ${JSON.stringify(stats?.streams[0]?.callerToCallee)}`,
    );
    const n = kind === 'builtin' ? `relay_${calls}_calls` : `rtpengine_${calls}_calls`;
    // More than 1% of the generator's send slots over 20 ms late: it, not the relay, sets the pace, and
    // its own receive backlog shows up as latency.
    const generatorBound = r.lateTicks > (o.seconds * 1000) / 2 / 100;
    if (generatorBound)
      note(`${calls} calls: the generator could not keep up; latency and loss include its own backlog`);
    figure(`${n}_generator_bound`, generatorBound ? 1 : 0);
    figure(`${n}_offered_pps`, r.offeredPps, 'packets/s');
    figure(`${n}_forwarded_pps`, r.pps, 'packets/s');
    figure(`${n}_loss`, r.loss * 100, '%');
    figure(`${n}_lost_before_relay`, r.sent - atRelay, 'packets');
    figure(`${n}_lost_after_relay`, atRelay - r.received, 'packets');
    figure(`${n}_latency_p50`, r.p50, 'ms');
    figure(`${n}_latency_p99`, r.p99, 'ms');
    if (base) {
      figure(`${n}_added_latency_p50`, r.p50 - base.p50, 'ms');
      figure(`${n}_added_latency_p99`, r.p99 - base.p99, 'ms');
    }
    figure(`${n}_cpu_per_packet`, r.cpuUsPerPacket, 'us');
    figure(`${n}_cpu`, r.cpuPercent, '% of one core');
    figure(`${n}_cpu_per_1000_streams`, (r.cpuPercent / (2 * calls)) * 1000, '% of one core');
    if (relay.inProcess) figure(`${n}_main_loop_delay_p99`, r.loopDelayP99Ms, 'ms');
    return r;
  } finally {
    gen.close();
    await relay.stop();
  }
}

const options = parseArgs(process.argv.slice(2));
for (const calls of options.calls) {
  const ours = options.relay !== 'rtpengine' ? await probe(calls, 'builtin', options) : undefined;
  const theirs = options.relay !== 'builtin' ? await probe(calls, 'rtpengine', options) : undefined;
  if (ours && theirs)
    figure(
      `relay_vs_rtpengine_${calls}_calls_cpu_per_packet`,
      ours.cpuUsPerPacket / theirs.cpuUsPerPacket,
      'x',
    );
}
if (options.sipProbe > 0)
  await sipUnderMedia({
    calls: Math.max(...options.calls),
    seconds: options.seconds,
    rate: options.sipProbe,
    generator: options.generator,
    workers: options.workers,
    rtpengine: options.relay !== 'builtin',
  });
