/** What the clock needs from its environment; tests pass a fake one. */
export interface ClockScheduler {
  /** Milliseconds, monotonic, fractional allowed (performance.now()). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: ClockScheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface FrameClockStats {
  /** Frames handed to the callback. */
  frames: number;
  /** Frames skipped because the event loop was stalled longer than the burst limit. */
  skipped: number;
  /** How late frames were handed out (ms after their due time): mean and max. */
  meanLateMs: number;
  maxLateMs: number;
}

/**
 * A drift-free frame clock: frame n is due at start + n·interval, computed from the start rather than
 * from the previous tick, so timer lateness never accumulates (the 1000th packet of a prompt leaves 20 s
 * after the first, not 20 s plus a thousand timer delays). A late timer hands out every frame that fell
 * due, up to `maxBurst`; after a longer stall (a blocked event loop) the missed frames are skipped — the
 * callback still learns their numbers, so RTP timestamps stay tied to real time.
 */
export class FrameClock {
  private start = 0;
  private next = 0;
  private handle: unknown;
  private running = false;
  private lateSum = 0;
  readonly stats: FrameClockStats = { frames: 0, skipped: 0, meanLateMs: 0, maxLateMs: 0 };

  constructor(
    readonly intervalMs: number,
    /** Called once per frame with its number (0, 1, 2 …; a skip jumps ahead). */
    private readonly onFrame: (frame: number) => void,
    private readonly scheduler: ClockScheduler = realScheduler,
    private readonly maxBurst = 5,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  begin(): void {
    if (this.running) return;
    this.running = true;
    this.start = this.scheduler.now();
    this.next = 0;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.scheduler.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private tick(): void {
    this.handle = undefined;
    if (!this.running) return;
    const now = this.scheduler.now();
    const due = Math.floor((now - this.start) / this.intervalMs); // the latest frame that is due
    if (due - this.next >= this.maxBurst) {
      const skip = due - this.next - this.maxBurst + 1;
      this.stats.skipped += skip;
      this.next += skip;
    }
    while (this.running && this.next <= due) {
      const late = now - (this.start + this.next * this.intervalMs);
      this.lateSum += late;
      this.stats.frames++;
      this.stats.meanLateMs = this.lateSum / this.stats.frames;
      if (late > this.stats.maxLateMs) this.stats.maxLateMs = late;
      this.onFrame(this.next++);
    }
    if (!this.running) return;
    const wait = this.start + this.next * this.intervalMs - this.scheduler.now();
    this.handle = this.scheduler.setTimeout(() => this.tick(), Math.max(0, wait));
  }
}
