import type dgram from 'node:dgram';
import type { MediaEndpoint } from '../sdp/sdp-stream.js';
import { RtpReceiveStats } from './rtp-receive-stats.js';
import { LatchResult, SourceLatch } from './source-latch.js';
import type { RelayStream } from './relay-stream.js';
import type { LegPlan, Side, WorkerDirectionStats } from './worker-protocol.js';

/** What a leg reports upwards (to the worker's log), off the per-packet path. */
export interface LegEvents {
  latched(leg: RelayLeg, what: 'rtp' | 'rtcp', source: string): void;
  firstDrop(leg: RelayLeg, what: 'rtp' | 'rtcp', address: string, port: number): void;
}

/**
 * One phone's side of a relayed stream, inside a worker: the relay port pair facing that phone (the phone
 * sends to it, and we send to the phone from it, so the phone receives from the address it sends to), where
 * to send (its SDP, then where its packets actually come from), and what arrived from it.
 *
 * The packet handlers are the hot path: no allocation, the received Buffer is forwarded as is out of the
 * other leg's socket, statistics read four header fields.
 */
export class RelayLeg {
  other!: RelayLeg;
  port = 0;
  rtpSocket: dgram.Socket | null = null;
  rtcpSocket: dgram.Socket | null = null;
  /** From this phone's latest SDP (kept across a hold, to see whether a resume changes it). */
  endpoint: MediaEndpoint | null = null;
  hold = false;
  readonly rtpLatch = new SourceLatch();
  readonly rtcpLatch = new SourceLatch();
  /** Effective destination towards this phone; port 0 = send nothing. */
  destAddress = '';
  destPort = 0;
  rtcpDestAddress = '';
  rtcpDestPort = 0;
  /** Received from this phone. */
  readonly stats = new RtpReceiveStats();
  packets = 0;
  bytes = 0;
  rtcpPackets = 0;
  dropped = 0;

  constructor(
    readonly stream: RelayStream,
    readonly side: Side,
    private readonly strict: boolean,
    private readonly events: LegEvents,
  ) {}

  onRtp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = performance.now();
    const latch = this.rtpLatch.check(rinfo.address, rinfo.port, now, this.strict);
    if (latch !== LatchResult.Same) {
      if (latch === LatchResult.Dropped) return this.drop('rtp', rinfo);
      if (latch === LatchResult.Latched) this.latched('rtp');
    }
    const stream = this.stream;
    stream.call.lastPacketMs = now;
    this.packets++;
    this.bytes += msg.length;
    if (stream.rtp && msg.length >= 12 && (msg[0]! & 0xc0) === 0x80) {
      const pt = msg[1]! & 0x7f;
      // RTCP multiplexed on the RTP port (RFC 5761 §4) has packet types 200-207 here, i.e. 72-79 sans marker.
      if (pt < 64 || pt > 95)
        this.stats.update(
          (msg[2]! << 8) | msg[3]!,
          msg.readUInt32BE(4),
          msg.readUInt32BE(8),
          stream.clockRates[pt]!,
          now,
        );
    }
    const to = this.other;
    if (to.destPort !== 0) to.rtpSocket!.send(msg, to.destPort, to.destAddress);
  }

  onRtcp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = performance.now();
    const latch = this.rtcpLatch.check(rinfo.address, rinfo.port, now, this.strict);
    if (latch !== LatchResult.Same) {
      if (latch === LatchResult.Dropped) return this.drop('rtcp', rinfo);
      if (latch === LatchResult.Latched) this.latched('rtcp');
    }
    this.stream.call.lastPacketMs = now;
    this.rtcpPackets++;
    const to = this.other;
    if (to.rtcpDestPort !== 0) to.rtcpSocket!.send(msg, to.rtcpDestPort, to.rtcpDestAddress);
  }

  /**
   * Applies this phone's latest SDP. A changed address or port (a re-offer after a network change) re-opens
   * the latches; a hold (`c=0.0.0.0`) and its resume to the same address keep them.
   */
  apply(plan: LegPlan): void {
    const e = plan.endpoint;
    if (e !== null) {
      const old = this.endpoint;
      if (
        old !== null &&
        (old.address !== e.address ||
          old.rtpPort !== e.rtpPort ||
          old.rtcpAddress !== e.rtcpAddress ||
          old.rtcpPort !== e.rtcpPort)
      ) {
        this.rtpLatch.reset();
        this.rtcpLatch.reset();
      }
      this.endpoint = e;
    }
    this.hold = plan.hold;
    this.refresh();
  }

  /** Recomputes where packets towards this phone go: the latched source, else what its SDP says. */
  refresh(): void {
    const e = this.endpoint;
    if (this.rtpSocket === null || this.rtcpSocket === null || this.hold) {
      this.destPort = 0;
      this.rtcpDestPort = 0;
      return;
    }
    if (this.rtpLatch.port !== 0) {
      this.destAddress = this.rtpLatch.address;
      this.destPort = this.rtpLatch.port;
    } else if (e !== null) {
      this.destAddress = e.address;
      this.destPort = e.rtpPort;
    } else this.destPort = 0;
    if (this.rtcpLatch.port !== 0) {
      this.rtcpDestAddress = this.rtcpLatch.address;
      this.rtcpDestPort = this.rtcpLatch.port;
    } else if (e !== null) {
      this.rtcpDestAddress = e.rtcpAddress;
      this.rtcpDestPort = e.rtcpPort;
    } else this.rtcpDestPort = 0;
  }

  snapshot(): WorkerDirectionStats {
    return {
      packets: this.packets,
      bytes: this.bytes,
      lost: this.stats.lost,
      jitterMs: this.stats.jitterMs,
      source: this.rtpLatch.toString(),
      rtcpPackets: this.rtcpPackets,
      dropped: this.dropped,
    };
  }

  private latched(what: 'rtp' | 'rtcp'): void {
    this.refresh();
    const latch = what === 'rtp' ? this.rtpLatch : this.rtcpLatch;
    this.events.latched(this, what, latch.toString() ?? '');
  }

  private drop(what: 'rtp' | 'rtcp', rinfo: dgram.RemoteInfo): void {
    if (this.dropped++ === 0) this.events.firstDrop(this, what, rinfo.address, rinfo.port);
  }
}
