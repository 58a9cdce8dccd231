/** Settings for slowing down and blocking password guessing (one source address at a time). */
export interface AuthGuardOptions {
  slowAfter: number;
  blockAfter: number;
  blockSeconds: number;
  /** Failures older than this are forgotten. */
  windowSeconds?: number;
}

interface SourceRecord {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

export interface BlockedSource {
  address: string;
  failures: number;
  blockedUntil: string | null;
}

/**
 * Counts failed authentications per source address. Past `slowAfter` the answer to that source is delayed
 * (each further failure costs the guesser more time); past `blockAfter` every SIP message from it is
 * dropped until the block runs out. A success clears the record.
 */
export class AuthGuard {
  private readonly sources = new Map<string, SourceRecord>();
  private readonly window: number;

  constructor(private readonly opts: AuthGuardOptions) {
    this.window = (opts.windowSeconds ?? 600) * 1000;
  }

  isBlocked(address: string, now = Date.now()): boolean {
    const r = this.sources.get(address);
    if (!r || r.blockedUntil === 0) return false;
    if (now < r.blockedUntil) return true;
    this.sources.delete(address); // the block ran out: start afresh
    return false;
  }

  /** Records a failure; returns how long to delay the answer (ms), or -1 when the source is now blocked. */
  recordFailure(address: string, now = Date.now()): number {
    let r = this.sources.get(address);
    if (!r || now - r.lastFailure > this.window) {
      r = { failures: 0, lastFailure: now, blockedUntil: 0 };
      this.sources.set(address, r);
    }
    r.failures++;
    r.lastFailure = now;
    if (this.opts.blockAfter > 0 && r.failures >= this.opts.blockAfter) {
      r.blockedUntil = now + this.opts.blockSeconds * 1000;
      return -1;
    }
    if (this.opts.slowAfter > 0 && r.failures > this.opts.slowAfter) {
      return Math.min(250 * (r.failures - this.opts.slowAfter), 5000);
    }
    return 0;
  }

  recordSuccess(address: string): void {
    const r = this.sources.get(address);
    if (r && r.blockedUntil === 0) this.sources.delete(address);
  }

  list(now = Date.now()): BlockedSource[] {
    const out: BlockedSource[] = [];
    for (const [address, r] of this.sources) {
      if (r.blockedUntil !== 0 && r.blockedUntil <= now) continue;
      if (r.blockedUntil === 0 && now - r.lastFailure > this.window) continue;
      out.push({
        address,
        failures: r.failures,
        blockedUntil: r.blockedUntil ? new Date(r.blockedUntil).toISOString() : null,
      });
    }
    return out;
  }

  unblock(address: string): boolean {
    return this.sources.delete(address);
  }
}
