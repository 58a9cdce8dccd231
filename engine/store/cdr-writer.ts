import type { Logger } from '../log/index.js';
import type { CdrRepository, NewCdr } from './cdr-repository.js';
import type { Database } from './database-types.js';

/**
 * Writes call records in batches: records are queued and committed together a few times a second, so a
 * busy office's call endings cost one commit per batch instead of one synchronous insert each on the
 * signalling thread. `flush()` on shutdown writes what is left.
 */
export class CdrWriter {
  private queue: NewCdr[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Told after each batch is written (the console's call log refreshes). */
  onWritten: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly repo: CdrRepository,
    private readonly log: Logger,
    private readonly flushMs = 200,
  ) {}

  write(rec: NewCdr): void {
    this.queue.push(rec);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.db.transaction(() => {
        for (const rec of batch) this.repo.insert(rec);
      })();
    } catch {
      // One bad record must not lose the batch: write them one by one and report the one that fails.
      for (const rec of batch) {
        try {
          this.repo.insert(rec);
        } catch (e) {
          this.log.error('could not write the call record', { callId: rec.callId, err: e });
        }
      }
    }
    this.onWritten?.();
  }
}
