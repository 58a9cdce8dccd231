import { RelayError } from '../relay-driver.js';
import type { MediaEndpoint, SdpStream } from '../sdp/sdp-stream.js';
import type { PortPool } from './port-pool.js';
import type { ForwardingWorker } from './forwarding-worker.js';
import { CALLEE, CALLER, type Side, type StreamPlan } from './worker-protocol.js';

/** One side of a stream as the control sees it. */
export interface LegState {
  /** Relay RTP port facing this side (the port written into the SDP sent to it); 0 = none. */
  port: number;
  /** Where this side receives, from its latest SDP. */
  endpoint: MediaEndpoint | null;
  /** Its SDP has been seen. */
  known: boolean;
  hold: boolean;
  /** Not sending both ways (on hold: sendonly, recvonly or inactive): silence is expected. */
  inactive: boolean;
  clockRates: Map<number, number>;
}

export interface StreamState {
  index: number;
  media: string;
  rtp: boolean;
  /** Declined (port 0): owns no ports; its slot keeps the m-line order. */
  rejected: boolean;
  codec: string | null;
  legs: [LegState, LegState];
}

export type SdpKind = 'offer' | 'answer';

export const other = (side: Side): Side => (side === CALLER ? CALLEE : CALLER);

function newLeg(): LegState {
  return { port: 0, endpoint: null, known: false, hold: false, inactive: false, clockRates: new Map() };
}

/**
 * A call's media on the control side: which ports it owns (the only record of them: delete releases
 * exactly these), what each side's SDP said, and a queue that runs its operations one at a time so an
 * offer, an answer and a delete of one call never interleave.
 */
export class RelayCall {
  /** By m-line index. */
  readonly streams: StreamState[] = [];
  toTag: string | undefined;
  answered = false;
  /** Set as soon as delete() is called: operations queued behind it are refused. */
  deleted = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly handle: number,
    readonly callId: string,
    readonly fromTag: string,
    readonly worker: ForwardingWorker,
  ) {}

  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Takes in one side's offer or answer: per m-line, that side's address becomes the destination towards
   * it, and the stream gets a port pair facing the other side (the one that receives this SDP and will send
   * there), allocated once and reused by every later re-offer. An offer also reserves the pair facing its
   * sender, which the answer will name: a call admitted with 503-free offers can always be answered, even
   * when other calls take the last pairs while it rings (otherwise its 200 would have to go out unanchored).
   * Declined m-lines release their ports.
   * Throws RelayError 503, before changing anything, when the range has too few free pairs.
   * Returns the RTP ports released (to give back once the worker has closed them).
   */
  applySdp(
    from: Side,
    kind: SdpKind,
    sdp: readonly SdpStream[],
    pool: PortPool,
    provisional = false,
  ): number[] {
    const facing = other(from);
    let needed = 0;
    for (const s of sdp) {
      if (!this.carries(s, kind)) continue;
      const st = this.streams[s.index];
      const fresh = !st || st.rejected;
      if (fresh || st.legs[facing].port === 0) needed++;
      if (kind === 'offer' && (fresh || st.legs[from].port === 0)) needed++;
    }
    if (needed > pool.available)
      throw new RelayError(
        `media port range ${pool.min}-${pool.max} exhausted: ${pool.available} of ${pool.capacity} port pairs ` +
          `free, call ${this.callId} needs ${needed}`,
        503,
      );
    const released: number[] = [];
    for (const s of sdp) {
      let st = this.streams[s.index];
      if (kind === 'answer' && (!st || st.rejected)) continue; // never offered: declined by anchorPorts()
      if (s.rejected || !s.relayable) {
        if (st) released.push(...this.decline(st));
        else this.streams[s.index] = { ...this.newStream(s), rejected: true };
        continue;
      }
      if (!st || st.rejected) {
        st = this.newStream(s);
        this.streams[s.index] = st;
      }
      const leg = st.legs[from];
      leg.known = true;
      leg.hold = s.endpoint === null;
      if (s.endpoint !== null) leg.endpoint = s.endpoint;
      // On hold (RFC 3264 §8.4: sendonly/recvonly/inactive) silence is expected: no media timeout then.
      leg.inactive = s.direction !== 'sendrecv';
      leg.clockRates = s.clockRates;
      st.media = s.media;
      st.rtp = s.rtp;
      if (s.codec !== null) st.codec = s.codec;
      const out = st.legs[facing];
      if (out.port === 0) out.port = pool.allocate()!;
      if (kind === 'offer' && leg.port === 0) leg.port = pool.allocate()!;
    }
    // Early media (183) does not answer the call: ringing time must not count towards the media timeout.
    if (kind === 'answer' && !provisional) this.answered = true;
    return released;
  }

  /** The port to write into each m-line of an SDP from `from` (0 = declined). */
  anchorPorts(from: Side, sdp: readonly SdpStream[]): number[] {
    const facing = other(from);
    return sdp.map((s) => {
      const st = this.streams[s.index];
      return st && !st.rejected && !s.rejected ? st.legs[facing].port : 0;
    });
  }

  /** Every RTP port the call holds. */
  ports(): number[] {
    const ports: number[] = [];
    for (const st of this.streams) for (const leg of st.legs) if (leg.port !== 0) ports.push(leg.port);
    return ports;
  }

  /** The leg holding `port`, to replace a pair the worker could not bind. */
  legWithPort(port: number): LegState | undefined {
    for (const st of this.streams) for (const leg of st.legs) if (leg.port === port) return leg;
    return undefined;
  }

  plan(): StreamPlan[] {
    return this.streams
      .filter((st) => !st.rejected)
      .map((st) => ({
        index: st.index,
        rtp: st.rtp,
        legs: [this.legPlan(st.legs[CALLER]), this.legPlan(st.legs[CALLEE])],
        clockRates: clockRateList(st),
      }));
  }

  /**
   * Idle time counts towards the media timeout once the call is answered and some stream should carry
   * media; a call held on every stream (inactive or `c=0.0.0.0`) may legitimately stay silent.
   */
  armed(): boolean {
    return (
      this.answered &&
      this.streams.some(
        (st) => !st.rejected && st.legs.every((leg) => leg.known && !leg.hold && !leg.inactive),
      )
    );
  }

  /** Forgets every port (after the worker closed them); returns them for the pool. */
  releaseAll(): number[] {
    const ports = this.ports();
    for (const st of this.streams) for (const leg of st.legs) leg.port = 0;
    this.streams.length = 0;
    return ports;
  }

  private carries(s: SdpStream, kind: SdpKind): boolean {
    if (s.rejected || !s.relayable) return false;
    if (kind === 'offer') return true;
    const st = this.streams[s.index];
    return st !== undefined && !st.rejected;
  }

  private decline(st: StreamState): number[] {
    const ports = st.legs.map((l) => l.port).filter((p) => p !== 0);
    st.rejected = true;
    st.legs = [newLeg(), newLeg()];
    return ports;
  }

  private newStream(s: SdpStream): StreamState {
    return {
      index: s.index,
      media: s.media,
      rtp: s.rtp,
      rejected: false,
      codec: s.codec,
      legs: [newLeg(), newLeg()],
    };
  }

  private legPlan(leg: LegState): StreamPlan['legs'][number] {
    return { port: leg.port, endpoint: leg.endpoint, hold: leg.hold };
  }
}

/** Both sides' payload types, flattened (should they number a type differently, the callee's wins). */
function clockRateList(st: StreamState): number[] {
  const merged = new Map([...st.legs[0].clockRates, ...st.legs[1].clockRates]);
  const flat: number[] = [];
  for (const [pt, rate] of merged) flat.push(pt, rate);
  return flat;
}
