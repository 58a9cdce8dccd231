/**
 * Receiver statistics of one RTP flow, updated per packet without allocating: loss from sequence numbers
 * (RFC 3550 A.1 and A.3) and interarrival jitter (RFC 3550 A.8).
 *
 * Two deliberate departures from the appendix, both for a relay's point of view:
 * - No probation (MIN_SEQUENTIAL = 0): the first packet of a source counts; a relay has already decided
 *   to carry the flow, and a count that skips the first packets would confuse "no packets from the phone".
 * - Jitter is accumulated in milliseconds, i.e. A.8's J divided by the clock rate: the same estimator, but
 *   a change of payload type to another clock rate (G722 ↔ telephone-event) does not mix units.
 * A change of SSRC starts a new source: the loss counted so far is kept, sequence state restarts.
 */
export class RtpReceiveStats {
  /** RTP packets counted (A.3 `received`, across sources). */
  received = 0;
  private lostBefore = 0;
  private ssrc = -1;
  // A.1 source state
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = 0;
  private receivedThisSource = 0;
  // A.8 state
  private lastArrivalMs = 0;
  private lastTimestamp = 0;
  private lastClockRate = 0;
  /** Interarrival jitter, milliseconds. */
  jitterMs = 0;

  /**
   * One RTP packet: `seq` (16 bit), `timestamp` (32 bit, unsigned), `ssrc`, the payload type's clock rate
   * (0 when unknown: no jitter sample), and the arrival time in milliseconds from any monotonic clock.
   */
  update(seq: number, timestamp: number, ssrc: number, clockRate: number, arrivalMs: number): void {
    if (ssrc !== this.ssrc) {
      this.lostBefore += this.lostThisSource();
      this.ssrc = ssrc;
      this.initSeq(seq);
      this.receivedThisSource = 1;
      this.received++;
      this.lastClockRate = 0;
    } else if (this.updateSeq(seq)) {
      this.receivedThisSource++;
      this.received++;
    } else return;
    this.updateJitter(timestamp, clockRate, arrivalMs);
  }

  /** Cumulative packets lost (A.3: expected − received), never negative (duplicates can make it so). */
  get lost(): number {
    return this.lostBefore + this.lostThisSource();
  }

  /** A.3 `extended_max - base_seq + 1` for the current source. */
  get expected(): number {
    return this.ssrc === -1 ? 0 : this.cycles + this.maxSeq - this.baseSeq + 1;
  }

  private lostThisSource(): number {
    const lost = this.expected - this.receivedThisSource;
    return lost > 0 ? lost : 0;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1; // so seq == badSeq is false
    this.cycles = 0;
  }

  /** A.1 `update_seq` without probation: false when the packet is not to be counted. */
  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (udelta < MAX_DROPOUT) {
      // in order, with permissible gap
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // sequence number wrapped
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // the sequence number made a very large jump
      if (seq === this.badSeq) {
        // Two sequential packets: assume the other side restarted without telling us, so just re-sync
        // (i.e., pretend this was the first packet).
        this.lostBefore += this.lostThisSource();
        this.initSeq(seq);
        this.receivedThisSource = 0;
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet
    return true;
  }

  private updateJitter(timestamp: number, clockRate: number, arrivalMs: number): void {
    if (clockRate <= 0) return;
    if (clockRate === this.lastClockRate) {
      // A.8: D(i-1,i) = (R_i - R_{i-1}) - (S_i - S_{i-1}); the timestamp difference taken modulo 2^32.
      const dTs = (timestamp - this.lastTimestamp) | 0;
      let d = arrivalMs - this.lastArrivalMs - (dTs * 1000) / clockRate;
      if (d < 0) d = -d;
      this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.lastClockRate = clockRate;
    this.lastTimestamp = timestamp;
    this.lastArrivalMs = arrivalMs;
  }
}

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
