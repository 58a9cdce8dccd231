import { WavWriter } from '../audio/wav-writer.js';

/** Longest gap in the caller's RTP timestamps filled with silence (longer ones are a new source or a jump). */
const MAX_GAP_SECONDS = 5;

/** Root-mean-square level of a frame in dBFS (-Infinity for digital silence). */
export function levelDbfs(pcm: Int16Array): number {
  if (pcm.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(sum / pcm.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

/**
 * The caller's audio into a WAV file, in RTP timestamp order: a gap in the timestamps (packets lost, or a
 * phone that stops sending while its user is quiet) is written as silence so the message keeps its timing;
 * duplicates and packets older than what was written are dropped. A new SSRC starts a fresh timeline.
 */
export class CallRecorder {
  private ssrc: number | undefined;
  private nextTimestamp = 0;

  private constructor(private readonly writer: WavWriter) {}

  static async create(file: string, sampleRate: number, flushIntervalMs?: number): Promise<CallRecorder> {
    const writer = await WavWriter.create(file, {
      sampleRate,
      ...(flushIntervalMs !== undefined ? { flushIntervalMs } : {}),
    });
    return new CallRecorder(writer);
  }

  get file(): string {
    return this.writer.path;
  }

  get seconds(): number {
    return this.writer.seconds;
  }

  /** One decoded packet. The RTP clock is assumed to equal the sample rate (true of G.711). */
  write(pcm: Int16Array, timestamp: number, ssrc: number): void {
    if (ssrc === this.ssrc) {
      const ahead = (timestamp - this.nextTimestamp) | 0; // signed 32-bit difference, wrap-safe
      if (ahead < 0) return; // duplicate or late
      if (ahead > 0 && ahead <= MAX_GAP_SECONDS * this.writer.sampleRate)
        this.writer.write(new Int16Array(ahead));
    }
    this.ssrc = ssrc;
    this.nextTimestamp = (timestamp + pcm.length) >>> 0;
    this.writer.write(pcm);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
