import crypto from 'node:crypto';

export interface PinGuardOptions {
  /** Wrong PINs for one mailbox within `windowMs` that lock it. Default 5. */
  maxFailures?: number;
  /** How far back failures count. Default 10 minutes. */
  windowMs?: number;
  /** How long a locked mailbox stays locked. Default 5 minutes. */
  lockMs?: number;
  /** Mailboxes tracked at most (oldest forgotten first), so a caller typing random numbers cannot grow it. */
  maxTracked?: number;
  now?: () => number;
}

interface Entry {
  /** Times of recent failures, oldest first (at most maxFailures kept). */
  failures: number[];
  lockedUntil: number;
}

/**
 * Limits PIN guessing per mailbox across calls: after `maxFailures` wrong PINs in `windowMs` the mailbox is
 * locked for `lockMs`, whoever calls, so redialling after each "goodbye" does not reset the count. Keyed by
 * the number the caller typed, whether or not such a mailbox exists, so the lockout itself does not tell a
 * caller which mailboxes exist. In memory only: a restart forgets it, which costs an attacker a restart
 * they cannot cause.
 */
export class PinGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(opts: PinGuardOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.lockMs = opts.lockMs ?? 5 * 60_000;
    this.maxTracked = opts.maxTracked ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Milliseconds the mailbox stays locked, or 0. */
  lockedFor(mailbox: string): number {
    const e = this.entries.get(mailbox);
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0;
  }

  /** Counts a wrong PIN; true when this failure locked the mailbox. */
  fail(mailbox: string): boolean {
    const now = this.now();
    let e = this.entries.get(mailbox);
    if (e)
      this.entries.delete(mailbox); // re-inserted below: the map stays in order of last use
    else e = { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => now - t < this.windowMs);
    e.failures.push(now);
    let locked = false;
    if (e.failures.length >= this.maxFailures) {
      e.lockedUntil = now + this.lockMs;
      e.failures = [];
      locked = true;
    }
    this.entries.set(mailbox, e);
    if (this.entries.size > this.maxTracked) this.entries.delete(this.entries.keys().next().value!);
    return locked;
  }

  /** A right PIN clears the mailbox's failures. */
  succeed(mailbox: string): void {
    const e = this.entries.get(mailbox);
    if (e && e.lockedUntil <= this.now()) this.entries.delete(mailbox);
  }
}

/** Compares a typed PIN with the stored one in time independent of where they differ. */
export function pinMatches(typed: string, stored: string | undefined): boolean {
  if (stored === undefined || stored === '') return false;
  const a = crypto.createHash('sha256').update(typed).digest();
  const b = crypto.createHash('sha256').update(stored).digest();
  return crypto.timingSafeEqual(a, b);
}
