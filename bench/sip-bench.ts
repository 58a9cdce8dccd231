// `npm run bench`: OfficePBX against the rig's Kamailio under the same sipp loads, on loopback.
// stdout: one `name: value unit` line per figure; stderr: progress and per-run details.
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../test/support/paths.js';
import { freePort } from '../test/support/ports.js';
import { benchConfig } from './bench-config.js';
import { figure, median, note, sleep } from './bench-output.js';
import { measureBindingMemory } from './binding-memory.js';
import { callRamp, type RampResult } from './call-ramp.js';
import { overloadRecovery, type OverloadRecovery } from './overload-step.js';
import { Cleanup } from './cleanup.js';
import { profiled } from './cpu-profile.js';
import { Inspector } from './inspector.js';
import { kamailioMissing, startKamailio } from './kamailio.js';
import {
  callLoad,
  registerEachOnce,
  registerLoad,
  type RunSeries,
  withCallee,
  type ServerUnderTest,
} from './load-runs.js';
import { importUsers, startBenchPbx } from './officepbx.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { killRunningLoads, writeUsersCsv } from './sipp-load.js';

interface UserFiles {
  users: string;
  callers: string;
  callee: string;
}

interface ServerFigures {
  register?: RunSeries;
  calls?: RunSeries;
  ramp?: RampResult;
  overload?: OverloadRecovery;
}

/**
 * `--only register` measures the REGISTER load alone (both servers, same history: every user registered
 * once first), `--only overload` the recovery after an overload burst alone, `--only memory` OfficePBX's
 * memory per binding alone, for quick A/B runs of a change; without it every load runs.
 */
const only = ((): 'register' | 'overload' | 'memory' | undefined => {
  const i = process.argv.indexOf('--only');
  if (i < 0) return undefined;
  const what = process.argv[i + 1];
  if (what !== 'register' && what !== 'overload' && what !== 'memory')
    throw new Error(`--only takes "register", "overload" or "memory", not ${String(what)}`);
  return what;
})();
const registerOnly = only === 'register';

function printRates(name: string, f: ServerFigures): void {
  if (f.overload) {
    const o = f.overload;
    figure(`${name}_calls_before_overload_per_s`, o.before, 'calls/s');
    figure(`${name}_calls_before_overload_failed`, o.beforeFailed, 'calls');
    figure(`${name}_calls_during_overload_burst_per_s`, o.burst, 'calls/s');
    figure(`${name}_calls_after_overload_per_s`, o.after, 'calls/s');
    figure(`${name}_calls_after_overload_failed`, o.afterFailed, 'calls');
  }
  if (!f.register) return;
  const reg = median(f.register.rates);
  figure(`${name}_register_auth_scenarios_per_s`, reg, 'scenarios/s');
  figure(`${name}_register_auth_tps`, 2 * reg, 'tx/s');
  figure(`${name}_register_failed`, f.register.failed, 'scenarios');
  figure(`${name}_register_attempted`, f.register.attempted, 'scenarios');
  figure(`${name}_register_cpu_per_scenario`, median(f.register.cpuUs), 'us');
  if (!f.calls || !f.ramp) return;
  figure(`${name}_calls_per_s`, median(f.calls.rates), 'calls/s');
  figure(`${name}_calls_failed`, f.calls.failed, 'calls');
  figure(`${name}_calls_attempted`, f.calls.attempted, 'calls');
  figure(`${name}_cpu_per_call`, median(f.calls.cpuUs), 'us');
  figure(`${name}_calls_sustained_per_s`, f.ramp.sustained, 'calls/s');
  figure(`${name}_calls_sustained_failed`, f.ramp.failed, 'calls');
}

/**
 * Memory once the finished transactions of the loads have expired (Timer J/K, 32 s): what is still held
 * then is held for good, a leak unless something explains it.
 */
async function settledMemory(pid: number, inspector: Inspector): Promise<void> {
  await sleep(benchConfig.settleAfterRegisterMs);
  const heap = await inspector.heapUsedAfterGc();
  figure('officepbx_heap_after_load_settled', heap / 2 ** 20, 'MiB');
  figure('officepbx_rss_after_load_settled', (rssBytes(pid) ?? NaN) / 2 ** 20, 'MiB');
}

/** How often OfficePBX started shedding load (its sip.overload warnings), for the diagnostics. */
function noteShedding(logs: string): void {
  const lines = logs.split('\n').filter((l) => l.includes('"cat":"sip.overload"'));
  note(`officepbx overload log: ${lines.length} lines`);
  for (const l of lines.slice(0, 6)) note(`    ${l.slice(0, 240)}`);
}

async function benchOfficePbx(cleanup: Cleanup, files: UserFiles): Promise<ServerFigures> {
  const { engine, inspectorPort, mediaRelayOff } = await startBenchPbx();
  cleanup.defer('stop OfficePBX', async () => {
    await engine.stop();
    fs.rmSync(engine.dataDir, { recursive: true, force: true });
  });
  note(
    `officepbx: pid ${engine.pid}, SIP 127.0.0.1:${engine.sipPort}` +
      (mediaRelayOff ? ', media relay off' : ''),
  );
  await importUsers(engine, benchConfig.firstUser, benchConfig.users + 1); // + the callee
  // Kamailio has no voicemail: calls the callee cannot take fail as they do there, not into voicemail.
  const off = await engine.api('PUT', `/api/voicemail/${benchConfig.callee}/settings`, {
    onNoAnswer: false,
    onBusy: false,
    onUnavailable: false,
  });
  if (off.status !== 200) throw new Error(`could not switch the callee's voicemail off: ${off.status}`);
  const server: ServerUnderTest = {
    name: 'officepbx',
    target: `127.0.0.1:${engine.sipPort}`,
    cpuSeconds: () => cpuSeconds(engine.pid),
  };
  const inspector = await Inspector.connect(inspectorPort);
  cleanup.defer('close the inspector', () => inspector.close());
  const profileDir = process.env.PBX_BENCH_CPU_PROF;
  if (only === 'overload') {
    await registerEachOnce(server, files.callers, benchConfig.callers);
    const overload = await withCallee(server, files.callee, () =>
      profiled(inspector, profileDir, 'officepbx-overload', () => overloadRecovery(server, files.callers)),
    );
    noteShedding(engine.logs());
    await settledMemory(engine.pid, inspector);
    return { overload };
  }
  if (registerOnly) {
    await registerEachOnce(server, files.users, benchConfig.users);
    const register = await profiled(inspector, profileDir, 'officepbx-register', () =>
      registerLoad(server, files.users),
    );
    return { register };
  }
  const mem = await measureBindingMemory(server, engine.pid, inspector, files.users);
  const n = benchConfig.users;
  figure('officepbx_bytes_per_binding', (mem.rssAfter - mem.rssBefore) / n, 'B');
  figure('officepbx_heap_bytes_per_binding', (mem.heapAfter - mem.heapBefore) / n, 'B');
  figure('officepbx_rss_10k_bindings', mem.rssAfter / 2 ** 20, 'MiB');
  figure('officepbx_register_once_failed', mem.failed, 'scenarios');
  if (only === 'memory') return {};
  const register = await profiled(inspector, profileDir, 'officepbx-register', () =>
    registerLoad(server, files.users),
  );
  const { calls, ramp, overload } = await withCallee(server, files.callee, async () => ({
    calls: await profiled(inspector, profileDir, 'officepbx-calls', () => callLoad(server, files.callers)),
    ramp: await callRamp(server, files.callers),
    overload: await overloadRecovery(server, files.callers),
  }));
  noteShedding(engine.logs());
  const heap = await inspector.heapUsedAfterGc();
  figure('officepbx_rss_after_load', (rssBytes(engine.pid) ?? NaN) / 2 ** 20, 'MiB');
  note(`officepbx heap after all loads (after GC): ${(heap / 2 ** 20).toFixed(1)} MiB`);
  await settledMemory(engine.pid, inspector);
  if (engine.child.exitCode !== null) throw new Error('OfficePBX exited during the bench');
  return { register, calls, ramp, overload };
}

async function benchKamailio(cleanup: Cleanup, files: UserFiles): Promise<ServerFigures> {
  const port = await freePort();
  const kam = await startKamailio(port);
  cleanup.defer('stop Kamailio', () => kam.stop());
  note(`kamailio: pid ${kam.pid}, SIP 127.0.0.1:${port}`);
  const server: ServerUnderTest = {
    name: 'kamailio',
    target: `127.0.0.1:${port}`,
    cpuSeconds: () => cpuSeconds(kam.pid, true),
  };
  if (only === 'overload') {
    await registerEachOnce(server, files.callers, benchConfig.callers);
    return {
      overload: await withCallee(server, files.callee, () => overloadRecovery(server, files.callers)),
    };
  }
  // The same history as OfficePBX: every user registered once before the rate runs.
  await registerEachOnce(server, files.users, benchConfig.users);
  const register = await registerLoad(server, files.users);
  if (registerOnly) return { register };
  const { calls, ramp, overload } = await withCallee(server, files.callee, async () => ({
    calls: await callLoad(server, files.callers),
    ramp: await callRamp(server, files.callers),
    overload: await overloadRecovery(server, files.callers),
  }));
  const errors = kam.errors();
  for (const e of errors.slice(0, 8)) note(`kamailio log: ${e.slice(0, 200)}`);
  // tm allocates each transaction in shared memory (run.sh gives it 256 MB): when that runs out, calls
  // fail with 500 and the Kamailio call figure measures its memory setting, not its speed.
  const outOfShm = errors
    .filter((e) => /could not allocate shared memory/.test(e))
    .reduce((n, e) => n + Number(e.split(' ')[0]), 0);
  figure('kamailio_out_of_shm_errors', outOfShm, 'errors');
  if (outOfShm > 0)
    note('kamailio ran out of shared memory (run.sh -m 256): its call figure is bounded by that, not by CPU');
  return { register, calls, ramp, overload };
}

async function main(): Promise<void> {
  const started = Date.now();
  const cleanup = new Cleanup();
  cleanup.onSignals();
  cleanup.defer('stop sipp loads', killRunningLoads);
  const work = tempDir('bench');
  cleanup.defer('remove the work folder', () => fs.rmSync(work, { recursive: true, force: true }));
  const c = benchConfig;
  const files: UserFiles = {
    users: writeUsersCsv(path.join(work, 'users.csv'), c.firstUser, c.firstUser + c.users - 1),
    callers: writeUsersCsv(path.join(work, 'callers.csv'), c.firstUser, c.firstUser + c.callers - 1),
    callee: writeUsersCsv(path.join(work, 'callee.csv'), c.callee, c.callee),
  };
  try {
    const mark = cleanup.mark();
    const pbx = await benchOfficePbx(cleanup, files);
    await cleanup.runAll(mark); // stop OfficePBX before Kamailio runs: one server on the cores at a time
    printRates('officepbx', pbx);
    if (only === 'memory') return;
    const missing = kamailioMissing();
    if (missing) {
      note(`Kamailio figures skipped: ${missing}`);
      return;
    }
    const kam = await benchKamailio(cleanup, files);
    printRates('kamailio', kam);
    const ratio = (a: number[], b: number[]): number => median(a) / median(b);
    if (pbx.overload && kam.overload) {
      figure('calls_after_overload_vs_before_officepbx', pbx.overload.after / pbx.overload.before, 'x');
      figure('calls_after_overload_vs_before_kamailio', kam.overload.after / kam.overload.before, 'x');
    }
    if (!pbx.register || !kam.register) return;
    figure('register_ratio_officepbx_vs_kamailio', ratio(pbx.register.rates, kam.register.rates), 'x');
    if (!pbx.calls || !kam.calls || !pbx.ramp || !kam.ramp) return;
    figure('calls_ratio_officepbx_vs_kamailio', ratio(pbx.calls.rates, kam.calls.rates), 'x');
    figure('calls_sustained_ratio_officepbx_vs_kamailio', pbx.ramp.sustained / kam.ramp.sustained, 'x');
  } finally {
    await cleanup.runAll();
    note(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

main().catch((err: unknown) => {
  note(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
