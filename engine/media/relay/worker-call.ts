import type { RelayStream } from './relay-stream.js';

/** A call's media inside the worker that carries it, keyed by the control's numeric handle. */
export class WorkerCall {
  readonly streams = new Map<number, RelayStream>();
  /** Counting idle time towards the media timeout. */
  armed = false;
  /** performance.now() of the last packet in either direction (any stream, RTP or RTCP); 0 = none yet. */
  lastPacketMs = 0;
  /** performance.now() of the last signalling (sync): the idle clock never starts before it. */
  lastSyncMs: number;
  timeoutReported = false;

  constructor(
    readonly handle: number,
    public callId: string,
    nowMs: number,
  ) {
    this.lastSyncMs = nowMs;
  }

  /** Milliseconds without packets (since the call reached the worker if none came yet). */
  idleMs(nowMs: number): number {
    return nowMs - (this.lastPacketMs || this.lastSyncMs);
  }

  /** Milliseconds counted towards the media timeout: neither packets nor signalling. */
  quietMs(nowMs: number): number {
    return nowMs - Math.max(this.lastPacketMs, this.lastSyncMs);
  }
}
