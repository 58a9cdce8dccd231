// SIP responsiveness while the built-in relay carries a heavy media load (issue 3): the engine runs in
// this process, as in production (SIP stack, control and relay together); `calls` calls are anchored in
// its relay and driven by the generator process, while a separate probe process (bench/sip-probe.ts)
// sends OPTIONS at a fixed modest rate and times the answers. The same probe first runs with the relay idle.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../engine/config/engine-config.js';
import { Engine } from '../engine/engine.js';
import { LogRoot } from '../engine/log/index.js';
import { figure, note } from './bench-output.js';
import { Generator, setUpCalls, type GeneratorKind } from './relay-generator.js';
import { rtpengineRelay } from './relays-under-test.js';
import type { SipProbeResult } from './sip-probe.js';
import { freePort } from '../test/support/ports.js';

export interface SipUnderMediaOptions {
  calls: number;
  seconds: number;
  /** OPTIONS per second. */
  rate: number;
  generator: GeneratorKind;
  workers: number | undefined;
  /** Also probe while rtpengine carries the same calls. */
  rtpengine: boolean;
}

function runProbe(sipPort: number, rate: number, seconds: number): Promise<SipProbeResult> {
  const script = fileURLToPath(new URL('./sip-probe.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [script, '--target', `127.0.0.1:${sipPort}`, '--rate', String(rate), '--seconds', String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    readline
      .createInterface({ input: child.stdout })
      .once('line', (l) => resolve(JSON.parse(l) as SipProbeResult));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`sip-probe exited with ${code}`));
    });
  });
}

interface Probed extends SipProbeResult {
  /** This process's (the engine's) event loop: p99 delay beyond the 10 ms sampling interval. */
  loopDelayP99Ms: number;
}

async function probeWithLoop(sipPort: number, rate: number, seconds: number): Promise<Probed> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  try {
    const r = await runProbe(sipPort, rate, seconds);
    return { ...r, loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 10) };
  } finally {
    loop.disable();
  }
}

function report(name: string, r: Probed): void {
  note(
    `${name}: ${r.answered} of ${r.sent} OPTIONS answered, p50 ${r.p50.toFixed(3)} ms, ` +
      `p99 ${r.p99.toFixed(3)} ms, max ${r.max.toFixed(3)} ms; engine loop delay p99 ${r.loopDelayP99Ms.toFixed(2)} ms`,
  );
  figure(`${name}_p50`, r.p50, 'ms');
  figure(`${name}_p99`, r.p99, 'ms');
  figure(`${name}_unanswered`, r.sent - r.answered, 'requests');
  figure(`${name}_main_loop_delay_p99`, r.loopDelayP99Ms, 'ms');
}

/**
 * Probes with the relay idle, then while `calls` calls flow through the engine's own relay and, with
 * `rtpengine`, while they flow through rtpengine instead (another process on the same cores): the control
 * that tells what the in-process relay costs SIP from what two busy cores cost any process.
 */
export async function sipUnderMedia(o: SipUnderMediaOptions): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'officepbx-bench-'));
  const config = {
    ...defaultConfig(),
    dataDir,
    bind: '127.0.0.1',
    advertise: '127.0.0.1',
    sipPort: await freePort(),
    httpPort: await freePort(),
    rtpPortMin: 20000, // below the kernel's ephemeral range, where the generator's own sockets land
    rtpPortMax: 29999,
    logLevel: 'warn' as const,
    qualifyInterval: 0,
    mediaTimeout: 0,
    relayWorkers: o.workers ?? 0,
  };
  const engine = await Engine.start(config, new LogRoot('warn'));
  const probeSeconds = Math.max(2, o.seconds - 2);
  try {
    if (!engine.relay) throw new Error('the engine has no media relay');
    const idle = await probeWithLoop(config.sipPort, o.rate, probeSeconds);
    report('sip_options_idle', idle);
    for (const media of o.rtpengine ? (['builtin', 'rtpengine'] as const) : (['builtin'] as const)) {
      const other = media === 'rtpengine' ? await rtpengineRelay() : undefined;
      const gen = new Generator(o.generator);
      try {
        // One socket per leg for Python and Node, as before; the C generator shares 32 (see relay-load.ts).
        gen.command({
          type: 'open',
          legs: 2 * o.calls,
          sockets: o.generator === 'c' ? 32 : 2 * o.calls,
          realtime: 1,
        });
        const { ports } = await gen.next('ports');
        const targets = await setUpCalls(other?.driver ?? engine.relay, ports);
        note(
          `${o.calls} calls anchored in ${media === 'builtin' ? "the engine's relay" : 'rtpengine'}; OPTIONS at ${o.rate}/s while media flows`,
        );
        gen.command({ type: 'run', targets, seconds: o.seconds });
        await gen.next('started');
        const [loaded, result] = await Promise.all([
          probeWithLoop(config.sipPort, o.rate, probeSeconds),
          gen.next('result'),
        ]);
        const name =
          media === 'builtin'
            ? `sip_options_media_${o.calls}_calls`
            : `sip_options_rtpengine_${o.calls}_calls`;
        note(
          `media during the probe: ${(result.received / result.seconds).toFixed(0)} packets/s forwarded, ` +
            `loss ${(((result.sent - result.received) / Math.max(1, result.sent)) * 100).toFixed(4)}%`,
        );
        figure(`${name}_forwarded_pps`, result.received / result.seconds, 'packets/s');
        report(name, loaded);
        figure(`${name}_p99_vs_idle`, loaded.p99 / idle.p99, 'x');
        // The engine's relay lets its ports go (rtpengine's ng port, 22222, is inside its range).
        if (!other)
          for (let c = 0; c < o.calls; c++) await engine.relay.delete({ callId: `load-${c}`, fromTag: 'a' });
      } finally {
        gen.close();
        await other?.stop();
      }
    }
  } finally {
    await engine.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
