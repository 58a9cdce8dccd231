// What `npm run bench` offers each server. Both servers get exactly the same loads.

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

export const benchConfig = {
  /** Measured runs per rate figure; the median is printed (PBX_BENCH_RUNS to change). */
  runs: envInt('PBX_BENCH_RUNS', 3),
  /** Pause between runs so one run's stragglers do not land in the next. */
  pauseMs: 2000,
  /** Users 100000..109999 (password pw<user>) register; 110000 is the callee, never in the register load. */
  firstUser: 100000,
  users: 10000,
  callee: 110000,
  callers: 1000,
  /** Each register run: sipp offers 10,000 scenarios/s with at most 2,000 in flight, 30,000 in all. */
  register: { rate: 10000, limit: 2000, max: 30000, timeoutSeconds: 60 },
  /** The memory probe registers each user once, gently enough that nothing is retransmitted. */
  memoryRegister: { rate: 2000, limit: 200, timeoutSeconds: 60 },
  /**
   * Each call run: sipp starts calls as fast as slots free up (closed loop), `limit` in flight, `max` in all.
   * `warmup` calls are made once before the measured runs.
   */
  calls: { rate: 10000, limit: 50, max: 10000, warmup: 2000, timeoutSeconds: 60 },
  /**
   * After the memory probe's registrations, wait past Timer J (64*T1 = 32 s), which keeps each finished
   * non-INVITE server transaction, so that what is left is the bindings (and the nonce replay records).
   */
  settleAfterRegisterMs: 34_000,
} as const;
