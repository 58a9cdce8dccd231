// Everything the bench starts is stopped on the way out: normal end, error, or Ctrl+C.
import { note } from './bench-output.js';

export class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<void> | void }> = [];

  /** Registers a stop step; steps run last-in first-out. */
  defer(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  /** How many steps are registered: pass it to runAll to undo only what came after. */
  mark(): number {
    return this.steps.length;
  }

  /** Runs the steps registered after `mark` (all by default), newest first. */
  async runAll(mark = 0): Promise<void> {
    while (this.steps.length > mark) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        note(`cleanup: ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** On SIGINT/SIGTERM: run the steps, then exit 130. */
  onSignals(): void {
    const handler = (signal: NodeJS.Signals): void => {
      note(`${signal}: stopping what the bench started`);
      void this.runAll().finally(() => process.exit(130));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }
}
