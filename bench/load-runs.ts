// The register and call loads, run the same way against any server under test.
import path from 'node:path';
import { freePort } from '../test/support/ports.js';
import { sippDir } from '../test/support/paths.js';
import { benchConfig } from './bench-config.js';
import { formatValue, note, sleep } from './bench-output.js';
import { runSippLoad, startBackgroundSipp, type SippLoad, type SippLoadResult } from './sipp-load.js';

export interface ServerUnderTest {
  /** officepbx or kamailio: the prefix of its figures. */
  name: string;
  /** host:port for sipp. */
  target: string;
  /** CPU seconds the server has used so far (all its processes). */
  cpuSeconds(): number;
}

export interface RunSeries {
  /** Successful scenarios per wall second, one per measured run. */
  rates: number[];
  /** CPU microseconds of the server per successful scenario, one per measured run. */
  cpuUs: number[];
  attempted: number;
  /** Failed or unfinished scenarios over all runs. */
  failed: number;
}

const registerXml = path.join(sippDir, 'register.xml');
const uasXml = path.join(sippDir, 'uas-answer.xml');
const uacXml = path.join(sippDir, 'uac-call.xml');

function describe(r: SippLoadResult): string {
  return (
    `${r.ok}/${r.created} ok, ${r.failed} failed, ${r.seconds.toFixed(2)} s, ` +
    `${formatValue(r.rate)}/s, ${r.retransmissions} retransmissions`
  );
}

/** Runs one load while sampling the server's CPU time; logs the result and sipp's errors. */
export async function measuredRun(
  server: ServerUnderTest,
  label: string,
  load: SippLoad,
): Promise<{ result: SippLoadResult; cpuUs: number }> {
  const cpu0 = server.cpuSeconds();
  const result = await runSippLoad(load);
  const cpuUs = ((server.cpuSeconds() - cpu0) * 1e6) / Math.max(result.ok, 1);
  note(`${server.name} ${label}: ${describe(result)}, ${formatValue(cpuUs)} µs server CPU per scenario`);
  for (const e of result.errors.slice(0, 6)) note(`    ${e.slice(0, 240)}`);
  return { result, cpuUs };
}

/** benchConfig.runs runs of the same load, a pause after each. */
async function series(
  server: ServerUnderTest,
  what: string,
  load: () => Promise<SippLoad>,
): Promise<RunSeries> {
  const out: RunSeries = { rates: [], cpuUs: [], attempted: 0, failed: 0 };
  for (let i = 1; i <= benchConfig.runs; i++) {
    const l = await load();
    const { result, cpuUs } = await measuredRun(server, `${what} run ${i}`, l);
    if (result.rate >= 0.95 * l.rate)
      note(`    (that is sipp's offered rate: the server may do more, the figure is a lower bound)`);
    out.rates.push(result.rate);
    out.cpuUs.push(cpuUs);
    out.attempted += result.created;
    out.failed += result.created - result.ok; // failed, and unfinished at the timeout
    await sleep(benchConfig.pauseMs);
  }
  return out;
}

/** Registers every user of `usersCsv` once, gently; returns sipp's result (the memory probe's load). */
export async function registerEachOnce(
  server: ServerUnderTest,
  usersCsv: string,
  count: number,
): Promise<SippLoadResult> {
  const m = benchConfig.memoryRegister;
  const { result } = await measuredRun(server, `register ${count} users once`, {
    scenario: registerXml,
    target: server.target,
    usersCsv,
    localPort: await freePort(),
    rate: m.rate,
    limit: m.limit,
    max: count,
    timeoutSeconds: m.timeoutSeconds,
  });
  return result;
}

/** REGISTER with digest auth (REGISTER/401/REGISTER/200) at a saturating rate. */
export async function registerLoad(server: ServerUnderTest, usersCsv: string): Promise<RunSeries> {
  const c = benchConfig.register;
  return series(server, 'register', async () => ({
    scenario: registerXml,
    target: server.target,
    usersCsv,
    localPort: await freePort(),
    rate: c.rate,
    limit: c.limit,
    max: c.max,
    timeoutSeconds: c.timeoutSeconds,
  }));
}

/**
 * Registers the callee (same register scenario) from a port where a sipp then answers every call, runs
 * `work`, and stops that sipp.
 */
export async function withCallee<T>(
  server: ServerUnderTest,
  calleeCsv: string,
  work: () => Promise<T>,
): Promise<T> {
  const uasPort = await freePort();
  const reg = await runSippLoad({
    scenario: registerXml,
    target: server.target,
    usersCsv: calleeCsv,
    localPort: uasPort,
    rate: 1,
    limit: 1,
    max: 1,
    timeoutSeconds: 15,
  });
  if (reg.ok !== 1) throw new Error(`${server.name}: the callee did not register: ${reg.errors.join('; ')}`);
  const uas = startBackgroundSipp(['-sf', uasXml, '-i', '127.0.0.1', '-p', String(uasPort), '-aa']);
  note(`${server.name}: callee ${benchConfig.callee} answers from sipp pid ${uas.pid} on port ${uasPort}`);
  try {
    await sleep(500);
    return await work();
  } finally {
    await uas.stop();
  }
}

/** One call load: INVITE/407/ACK/INVITE/100/180/200/ACK/BYE/200 without media, to the callee. */
export async function callRun(
  server: ServerUnderTest,
  callersCsv: string,
  rate: number,
  limit: number,
  max: number,
): Promise<SippLoad> {
  return {
    scenario: uacXml,
    target: server.target,
    usersCsv: callersCsv,
    localPort: await freePort(),
    rate,
    limit,
    max,
    timeoutSeconds: benchConfig.calls.timeoutSeconds,
    extra: ['-s', String(benchConfig.callee), '-d', '0'],
  };
}

/** Calls at saturation: a new call as soon as one of `limit` slots frees up (closed loop). */
export async function callLoad(server: ServerUnderTest, callersCsv: string): Promise<RunSeries> {
  const c = benchConfig.calls;
  await measuredRun(server, 'calls warm-up', await callRun(server, callersCsv, c.rate, c.limit, c.warmup));
  await sleep(benchConfig.pauseMs);
  return series(server, 'calls', () => callRun(server, callersCsv, c.rate, c.limit, c.max));
}
