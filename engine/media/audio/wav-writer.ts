import fs from 'node:fs/promises';
import { wavHeader } from './wav-file.js';

export interface WavWriterOptions {
  sampleRate: number;
  /** How often buffered audio is written and the header's sizes brought up to date. Default 1000 ms. */
  flushIntervalMs?: number;
}

/**
 * A 16-bit mono PCM WAV file written as audio arrives, crash-safe: the header is written first (sizes 0),
 * audio is appended in the background at most `flushIntervalMs` after it arrived, and after each append
 * the RIFF and data sizes are rewritten to cover exactly what is on disk. A process that dies mid-recording
 * leaves a valid file holding everything up to the last flush. Nothing here blocks the event loop: the
 * media path only copies samples into memory (DESIGN.md: no synchronous disk I/O on the hot path).
 */
export class WavWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly fh: fs.FileHandle,
    private readonly opts: Required<WavWriterOptions>,
  ) {}

  /** Creates (or truncates) the file and writes its header. */
  static async create(path: string, opts: WavWriterOptions): Promise<WavWriter> {
    const fh = await fs.open(path, 'w');
    try {
      await fh.write(wavHeader(opts.sampleRate, 0), 0, 44, 0);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new WavWriter(path, fh, { flushIntervalMs: 1000, ...opts });
  }

  get sampleRate(): number {
    return this.opts.sampleRate;
  }

  /** Samples accepted so far (on disk or about to be). */
  get samples(): number {
    return (this.written + this.pendingBytes) / 2;
  }

  get seconds(): number {
    return this.samples / this.opts.sampleRate;
  }

  /** Appends samples (copied; the caller may reuse its array). */
  write(samples: Int16Array): void {
    if (this.closed || samples.length === 0) return;
    const b = Buffer.alloc(samples.length * 2);
    for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i]!, i * 2);
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.opts.flushIntervalMs);
  }

  /** Writes what is buffered and updates the header; resolves when both are on disk (in the OS's cache). */
  flush(): Promise<void> {
    const chunk = this.pending.length > 0 ? Buffer.concat(this.pending) : undefined;
    this.pending = [];
    this.pendingBytes = 0;
    if (chunk) {
      const at = 44 + this.written;
      this.written += chunk.length;
      const total = this.written;
      this.chain = this.chain.then(async () => {
        if (this.failure) return;
        try {
          await this.fh.write(chunk, 0, chunk.length, at);
          // Sizes last: the header never claims audio that is not yet written.
          const sizes = Buffer.alloc(4);
          sizes.writeUInt32LE(36 + total, 0);
          await this.fh.write(sizes, 0, 4, 4);
          sizes.writeUInt32LE(total, 0);
          await this.fh.write(sizes, 0, 4, 40);
        } catch (err) {
          this.failure = err as Error;
        }
      });
    }
    return this.chain.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Flushes and closes; the file is complete. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
      await this.fh.sync().catch(() => undefined);
    } finally {
      await this.fh.close();
    }
  }
}
