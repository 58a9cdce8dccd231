// The register and call loads, run the same way against any server under test.
import path from 'node:path';
import { freePort } from '../test/support/ports.js';
import { sippDir } from '../test/support/paths.js';
import { benchConfig } from './bench-config.js';
import { formatValue, note, sleep } from './bench-output.js';
import { runSippLoad, startBackgroundSipp, type SippLoadResult } from './sipp-load.js';

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

function reportErrors(r: SippLoadResult): void {
  for (const e of r.errors.slice(0, 6)) note(`    ${e.slice(0, 240)}`);
}

/** Runs one load while sampling the server's CPU time. */
async function measuredRun(
  server: ServerUnderTest,
  label: string,
  load: Parameters<typeof runSippLoad>[0],
): Promise<{ result: SippLoadResult; cpuUs: number }> {
  const cpu0 = server.cpuSeconds();
  const result = await runSippLoad(load);
  const cpuUs = ((server.cpuSeconds() - cpu0) * 1e6) / Math.max(result.ok, 1);
  note(`${server.name} ${label}: ${describe(result)}, ${formatValue(cpuUs)} µs server CPU per scenario`);
  reportErrors(result);
  return { result, cpuUs };
}

async function series(
  server: ServerUnderTest,
  what: string,
  load: () => Promise<Parameters<typeof runSippLoad>[0]>,
): Promise<RunSeries> {
  const out: RunSeries = { rates: [], cpuUs: [], attempted: 0, failed: 0 };
  for (let i = 1; i <= benchConfig.runs; i++) {
    const { result, cpuUs } = await measuredRun(server, `${what} run ${i}`, await load());
    out.rates.push(result.rate);
    out.cpuUs.push(cpuUs);
    out.attempted += result.created;
    out.failed += result.failed + (result.created - result.ok - result.failed); // unfinished count as failed
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
 * Calls INVITE/407/ACK/INVITE/100/180/200/ACK/BYE/200 without media from the callers to one callee, a
 * sipp answering every call, registered first with the same register scenario.
 */
export async function callLoad(
  server: ServerUnderTest,
  callersCsv: string,
  calleeCsv: string,
): Promise<RunSeries> {
  const c = benchConfig.calls;
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
    const call = async (max: number): Promise<Parameters<typeof runSippLoad>[0]> => ({
      scenario: uacXml,
      target: server.target,
      usersCsv: callersCsv,
      localPort: await freePort(),
      rate: c.rate,
      limit: c.limit,
      max,
      timeoutSeconds: c.timeoutSeconds,
      extra: ['-s', String(benchConfig.callee), '-d', '0'],
    });
    await measuredRun(server, 'calls warm-up', await call(c.warmup));
    await sleep(benchConfig.pauseMs);
    return await series(server, 'calls', () => call(c.max));
  } finally {
    await uas.stop();
  }
}
