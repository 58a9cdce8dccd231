/**
 * Symmetric latching (RFC 7362 §4.1.1, "symmetric RTP"): the relay sends to the address a phone's packets
 * actually come from, which behind NAT is not the one in its SDP. The first packet latches; afterwards:
 * - strict: packets from any other source are dropped, so a stray sender cannot inject audio; only new
 *   signalling (a re-offer with another address) re-opens the latch;
 * - not strict: other sources are forwarded, but the return path stays on the latched source unless it has
 *   been silent for RELATCH_AFTER_MS (the phone's NAT binding changed under it).
 */
export const LatchResult = {
  /** From the latched source. */
  Same: 0,
  /** The source has just been (re)latched. */
  Latched: 1,
  /** Another source, forwarded without changing the latch (not strict). */
  Stray: 2,
  /** Another source, dropped (strict). */
  Dropped: 3,
} as const;
export type LatchResult = (typeof LatchResult)[keyof typeof LatchResult];

export const RELATCH_AFTER_MS = 2000;

export class SourceLatch {
  address = '';
  /** 0 = nothing latched. */
  port = 0;
  lastMs = 0;

  check(address: string, port: number, nowMs: number, strict: boolean): LatchResult {
    if (port === this.port && address === this.address) {
      this.lastMs = nowMs;
      return LatchResult.Same;
    }
    if (this.port === 0 || (!strict && nowMs - this.lastMs > RELATCH_AFTER_MS)) {
      this.address = address;
      this.port = port;
      this.lastMs = nowMs;
      return LatchResult.Latched;
    }
    return strict ? LatchResult.Dropped : LatchResult.Stray;
  }

  reset(): void {
    this.address = '';
    this.port = 0;
    this.lastMs = 0;
  }

  toString(): string | null {
    return this.port === 0 ? null : `${this.address}:${this.port}`;
  }
}
