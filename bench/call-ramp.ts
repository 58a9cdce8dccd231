// Calls at increasing offered rates (open loop): the highest rate a server sustains with at most 1% of the
// calls failing. Unlike the saturating closed-loop figure this shows how a server behaves past its limit:
// whether it sheds the excess or falls over.
import { benchConfig } from './bench-config.js';
import { note, sleep } from './bench-output.js';
import { callRun, measuredRun, type ServerUnderTest } from './load-runs.js';

export interface RampResult {
  /** Successful calls per second at the highest good step (0 when even the first step failed). */
  sustained: number;
  /** Offered rate of that step. */
  offered: number;
  /** Failed calls in that step. */
  failed: number;
}

/** One step: `stepSeconds` of calls offered at `rate`; good when ≤1% fail and ≥90% of the rate is met. */
async function step(
  server: ServerUnderTest,
  callersCsv: string,
  rate: number,
): Promise<{ good: boolean; achieved: number; failed: number }> {
  const r = benchConfig.ramp;
  const max = Math.round(rate * r.stepSeconds);
  const load = await callRun(server, callersCsv, rate, Math.max(rate, 100), max);
  const { result } = await measuredRun(server, `calls offered at ${rate}/s`, load);
  const failed = result.created - result.ok;
  const good = failed <= r.maxFailedShare * result.created && result.rate >= r.minAchievedShare * rate;
  await sleep(good ? benchConfig.pauseMs : r.pauseAfterBadMs);
  return { good, achieved: result.rate, failed };
}

/** Doubles the rate until a step is bad, then narrows between the last good and the first bad rate. */
export async function callRamp(server: ServerUnderTest, callersCsv: string): Promise<RampResult> {
  const r = benchConfig.ramp;
  await sleep(r.pauseAfterBadMs); // the saturating runs before may have left the server draining
  let best: RampResult = { sustained: 0, offered: 0, failed: 0 };
  let bad: number | undefined;
  for (let rate = r.startRate; bad === undefined && rate <= r.maxRate; rate *= 2) {
    const s = await step(server, callersCsv, rate);
    if (s.good) best = { sustained: s.achieved, offered: rate, failed: s.failed };
    else bad = rate;
  }
  for (let i = 0; i < r.refineSteps && bad !== undefined && best.offered > 0; i++) {
    if (bad / best.offered < 1.1) break;
    const rate = Math.round(Math.sqrt(bad * best.offered));
    const s = await step(server, callersCsv, rate);
    if (s.good) best = { sustained: s.achieved, offered: rate, failed: s.failed };
    else bad = rate;
  }
  note(`${server.name} sustains ${Math.round(best.sustained)} calls/s (offered ${best.offered}/s)`);
  return best;
}
