import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log/index.js';

/** When the server counts as overloaded (0 turns a limit off). */
export interface OverloadOptions {
  /** Event-loop lag, in milliseconds, past which new work is refused. */
  maxLagMs: number;
  /** Server transactions in progress (no final response yet) past which new work is refused. */
  maxServerTransactions: number;
  /** Seconds a refused client is told to wait (Retry-After of the 503). */
  retryAfterSeconds: number;
  /** How often the lag and the table are looked at (default 50 ms). */
  checkIntervalMs?: number;
}

export interface OverloadStats {
  /** Requests answered 503 because of overload. */
  shed: number;
  /** Times shedding started. */
  episodes: number;
  /** Lag seen at the last check, ms. */
  lagMs: number;
}

/**
 * Decides whether the SIP server sheds load (RFC 3261 §21.5.4: 503 with Retry-After for new requests it
 * cannot take now). A timer that fires every `checkIntervalMs` measures how late it runs — the event-loop
 * lag — and reads how many server transactions are in progress (no final response sent yet: the work in
 * hand). Finished transactions are not counted although they stay in the table (32 s for UDP non-INVITE,
 * §17.2.2): counting them kept the server refusing calls for half a minute after a burst had ended.
 * Shedding starts when the transactions in progress are past their limit, or when the lag is past its limit at two checks in a row: one late check is a single stall (a
 * burst of garbage collection, the process descheduled while sipp or a build has the cores), over by the
 * time it is seen, and refusing calls for it would help nobody. It stops once the lag is under half its
 * limit and the transactions in progress under 90% of theirs: the margin keeps it from flapping at every check, and
 * recovery is immediate once the load is gone.
 *
 * On UDP the lag stays low even when requests arrive faster than they are handled (libuv reads a batch
 * of datagrams, then runs timers, so the queue builds in the socket buffer, not in the loop): there the
 * transactions in progress — calls waiting for answers that are stuck in the queue — are the signal.
 */
export class OverloadMonitor {
  shedding = false;
  readonly stats: OverloadStats = { shed: 0, episodes: 0, lagMs: 0 };
  readonly retryAfter: string;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  /** Consecutive checks with the lag past its limit. */
  private lateChecks = 0;
  private readonly interval: number;

  constructor(
    private readonly opts: OverloadOptions,
    private readonly serverTransactions: () => number,
    private readonly log?: Logger,
  ) {
    this.interval = opts.checkIntervalMs ?? 50;
    this.retryAfter = String(Math.max(0, Math.round(opts.retryAfterSeconds)));
  }

  get enabled(): boolean {
    return this.opts.maxLagMs > 0 || this.opts.maxServerTransactions > 0;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(0, now - this.last - this.interval);
      this.last = now;
      this.evaluate(lag);
    }, this.interval);
    this.timer.unref();
  }

  /** One check with the lag just measured (public for tests). */
  evaluate(lagMs: number): void {
    this.stats.lagMs = lagMs;
    const { maxLagMs, maxServerTransactions } = this.opts;
    const tx = maxServerTransactions > 0 ? this.serverTransactions() : 0;
    this.lateChecks = maxLagMs > 0 && lagMs > maxLagMs ? this.lateChecks + 1 : 0;
    if (!this.shedding) {
      const lagOver = this.lateChecks >= 2;
      const txOver = maxServerTransactions > 0 && tx > maxServerTransactions;
      if (!lagOver && !txOver) return;
      this.shedding = true;
      this.stats.episodes++;
      this.log?.warn('overloaded: answering new requests 503', {
        lagMs: Math.round(lagMs),
        serverTransactions: tx,
      });
      return;
    }
    const lagHigh = maxLagMs > 0 && lagMs > maxLagMs / 2;
    const txHigh = maxServerTransactions > 0 && tx > 0.9 * maxServerTransactions;
    if (lagHigh || txHigh) return;
    this.shedding = false;
    this.log?.info('load back to normal: taking new requests again', {
      lagMs: Math.round(lagMs),
      serverTransactions: tx,
      shedSoFar: this.stats.shed,
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.shedding = false;
  }
}
