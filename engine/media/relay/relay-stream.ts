import { RelayLeg, type LegEvents } from './relay-leg.js';
import type { WorkerCall } from './worker-call.js';
import { CALLEE, CALLER, type WorkerStreamStats } from './worker-protocol.js';

/** One relayed m-line of a call inside a worker: the caller's leg and the callee's leg. */
export class RelayStream {
  readonly legs: readonly [RelayLeg, RelayLeg];
  /** Payload type → clock rate (0 = unknown), indexed directly by the RTP header's 7-bit PT. */
  readonly clockRates = new Int32Array(128);
  rtp = true;

  constructor(
    readonly call: WorkerCall,
    readonly index: number,
    strict: boolean,
    events: LegEvents,
  ) {
    const caller = new RelayLeg(this, CALLER, strict, events);
    const callee = new RelayLeg(this, CALLEE, strict, events);
    caller.other = callee;
    callee.other = caller;
    this.legs = [caller, callee];
  }

  setClockRates(flat: readonly number[]): void {
    this.clockRates.fill(0);
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const pt = flat[i]!;
      if (pt >= 0 && pt < 128) this.clockRates[pt] = flat[i + 1]!;
    }
  }

  snapshot(): WorkerStreamStats {
    return { index: this.index, from: [this.legs[0].snapshot(), this.legs[1].snapshot()] };
  }
}
