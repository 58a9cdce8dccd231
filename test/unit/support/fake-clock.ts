import { afterEach, beforeEach, mock } from 'node:test';

/**
 * Granularity of `advance()`. Node 20's MockTimers moves the clock to the end of a `tick(ms)` before it runs
 * the callbacks that fell due, so a timer armed inside a callback is scheduled from the end of the tick, not
 * from when its parent fired. Ticking in steps that divide every RFC 3261 timer value (T1 = 500 ms …) keeps
 * chains such as Timer A's doubling exact.
 */
const STEP_MS = 10;

export interface FakeClock {
  /** Moves mocked time forward by `ms`, firing due timers on the way. */
  advance(ms: number): void;
  /** Mocked milliseconds since the clock was installed. */
  now(): number;
}

/** Mocks `setTimeout` and `Date` (starting at `start`) around every test of the enclosing suite. */
export function useFakeClock(start = 0): FakeClock {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: start }));
  afterEach(() => mock.timers.reset());
  return {
    advance(ms: number): void {
      for (let left = ms; left > 0; left -= STEP_MS) mock.timers.tick(Math.min(STEP_MS, left));
    },
    now: () => Date.now() - start,
  };
}

/** Lets pending promise callbacks (a transport's asynchronous answer) run; setImmediate is never mocked. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
