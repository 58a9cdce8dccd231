import { TransactionState } from './transaction-state.js';

/** What every transaction machine shares: its state and the timers that end with it. */
export abstract class TransactionBase {
  private timers: NodeJS.Timeout[] = [];

  constructor(public state: TransactionState) {}

  protected timer(ms: number, fn: () => void): void {
    const t = setTimeout(fn, ms);
    t.unref?.();
    this.timers.push(t);
  }

  protected clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /** Enters Terminated and stops the timers; false when it was already there. */
  protected enterTerminated(): boolean {
    if (this.state === TransactionState.Terminated) return false;
    this.state = TransactionState.Terminated;
    this.clearTimers();
    return true;
  }
}
