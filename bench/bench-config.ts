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
  /**
   * Each register run: sipp offers 10,000 scenarios/s (about what one sipp can send on this machine) with
   * at most 500 in flight, 30,000 in all. With 2,000 in flight a server doing ~3,000/s answers later than
   * sipp's 500 ms retransmission timer, and the retransmissions then measure the spiral, not the server.
   */
  register: { rate: 10000, limit: 500, max: 30000, timeoutSeconds: 60 },
  /** The memory probe registers each user once, gently enough that nothing is retransmitted. */
  memoryRegister: { rate: 2000, limit: 200, timeoutSeconds: 60 },
  /**
   * Each call run: sipp starts calls as fast as slots free up (closed loop), `limit` in flight, `max` in all.
   * `warmup` calls are made once before the measured runs.
   */
  calls: { rate: 10000, limit: 50, max: 10000, warmup: 2000, timeoutSeconds: 60 },
  /**
   * The call ramp: steps of `stepSeconds` at 250, 500, 1000 … calls/s offered (open loop), then
   * `refineSteps` steps between the last good and the first bad rate. A step is good when at most 1% of
   * its calls fail and at least 90% of the offered rate completes.
   */
  ramp: {
    startRate: 250,
    maxRate: 8000,
    stepSeconds: 4,
    refineSteps: 2,
    maxFailedShare: 0.01,
    minAchievedShare: 0.9,
    /** After an overloaded step: time for the server to drain (Kamailio frees transactions after 5 s). */
    pauseAfterBadMs: 6000,
  },
  /**
   * Recovery after overload: `stepSeconds` of calls at `rate` (sustainable for both servers), the same time
   * at `burstRate` (far past either) until its last call has ended, `pauseAfterBurstMs`, then `rate` again.
   */
  overload: { rate: 700, burstRate: 4000, stepSeconds: 4, pauseAfterBurstMs: 1000 },
  /**
   * After the memory probe's registrations, wait past Timer J (64*T1 = 32 s), which keeps each finished
   * non-INVITE server transaction, so that what is left is the bindings (and the nonce replay records).
   */
  settleAfterRegisterMs: 34_000,
} as const;
