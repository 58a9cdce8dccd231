// Recovery after overload: calls at a rate both servers sustain, then a burst far past what either can do,
// then the same sustainable rate again once the burst's calls have ended (answered, refused or timed out). A server that sheds the burst cheaply (503) is back to
// the full rate at once; one that queues it keeps working through stale requests for seconds.
import { benchConfig } from './bench-config.js';
import { note, sleep } from './bench-output.js';
import { callRun, measuredRun, type ServerUnderTest } from './load-runs.js';

export interface OverloadRecovery {
  /** Successful calls per second offered `rate`, before the burst. */
  before: number;
  beforeFailed: number;
  /** The burst: offered rate and successful calls per second. */
  burstOffered: number;
  burst: number;
  /** Successful calls per second offered `rate`, right after the burst. */
  after: number;
  afterFailed: number;
}

async function step(
  server: ServerUnderTest,
  callersCsv: string,
  label: string,
  rate: number,
): Promise<{ rate: number; failed: number }> {
  const o = benchConfig.overload;
  const load = await callRun(server, callersCsv, rate, Math.max(rate, 100), Math.round(rate * o.stepSeconds));
  const { result } = await measuredRun(server, `${label} (${rate}/s offered)`, load);
  return { rate: result.rate, failed: result.created - result.ok };
}

export async function overloadRecovery(
  server: ServerUnderTest,
  callersCsv: string,
): Promise<OverloadRecovery> {
  const o = benchConfig.overload;
  await sleep(benchConfig.ramp.pauseAfterBadMs); // whatever ran before has drained
  const before = await step(server, callersCsv, 'calls before the overload burst', o.rate);
  await sleep(benchConfig.pauseMs);
  const burst = await step(server, callersCsv, 'overload burst', o.burstRate);
  await sleep(o.pauseAfterBurstMs);
  const after = await step(server, callersCsv, 'calls right after the burst', o.rate);
  note(
    `${server.name}: ${Math.round(before.rate)} calls/s before a burst at ${o.burstRate}/s, ` +
      `${Math.round(after.rate)} calls/s right after`,
  );
  return {
    before: before.rate,
    beforeFailed: before.failed,
    burstOffered: o.burstRate,
    burst: burst.rate,
    after: after.rate,
    afterFailed: after.failed,
  };
}
