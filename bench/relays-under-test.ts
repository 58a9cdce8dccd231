// The two relays the load probe compares, behind one shape: the built-in relay in this process, and
// rtpengine (userspace) started with the rig's script.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogRoot } from '../engine/log/index.js';
import { BuiltinRelay, type RelayDriver } from '../engine/media/index.js';
import { RtpengineDriver } from '../engine/media/rtpengine/rtpengine-driver.js';
import { cpuSeconds } from './proc-stats.js';

export interface RelayUnderTest {
  driver: RelayDriver;
  /** CPU seconds the relay has used so far (this process for the built-in relay, rtpengine's otherwise). */
  cpuSeconds(): number;
  /** The relay's process (this one for the built-in relay). */
  pid: number;
  /** The relay runs in this process: its main event loop delay is SIP's. */
  inProcess: boolean;
  stop(): Promise<void>;
}

/** `realtimePriority`: SCHED_RR priority of its forwarding threads, 0 = normal (BuiltinRelayOptions). */
export function builtinRelay(workers: number | undefined, realtimePriority: number): RelayUnderTest {
  const driver = new BuiltinRelay({
    advertise: '127.0.0.1',
    bind: '127.0.0.1',
    portMin: 20000, // below the kernel's ephemeral range, where the generator's own sockets land
    portMax: 29999,
    workers,
    realtimePriority,
    mediaTimeoutSeconds: 0,
    log: new LogRoot('warn').logger('media.relay'),
  });
  return {
    driver,
    cpuSeconds: () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1e6;
    },
    pid: process.pid,
    inProcess: true,
    stop: () => driver.close(),
  };
}

/** rtpengine in userspace, started with the rig's script (media ports 30000-39999, ng on NG_PORT or 22222). */
export async function rtpengineRelay(): Promise<RelayUnderTest> {
  const ngPort = Number(process.env.NG_PORT ?? 22222);
  const script = fileURLToPath(new URL('../../../shared/rig/rtpengine/run.sh', import.meta.url));
  const run = spawnSync('bash', [process.env.RTPENGINE_RUN ?? script, String(ngPort), '30000', '39999'], {
    encoding: 'utf8',
  });
  const pidFile = run.stdout.trim();
  const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : NaN);
  if (run.status !== 0 || !Number.isInteger(pid)) throw new Error(`rtpengine did not start: ${run.stderr}`);
  const driver = new RtpengineDriver({ servers: `127.0.0.1:${ngPort}` });
  return {
    driver,
    cpuSeconds: () => cpuSeconds(pid, true),
    pid,
    inProcess: false,
    stop: async () => {
      await driver.close();
      process.kill(pid);
      fs.rmSync(path.dirname(pidFile), { recursive: true, force: true }); // run.sh's own mktemp folder
    },
  };
}
