import dgram from 'node:dgram';
import type { PortPool } from '../relay/port-pool.js';
import { parseRtp, serializeRtp, type RtpPacket } from './rtp-packet.js';
import { randomBytes } from 'node:crypto';

export interface RtpEndpoint {
  address: string;
  port: number;
}

export interface RtpSessionStats {
  sent: number;
  received: number;
  /** Datagrams that were not RTP, or RTP of a payload type not negotiated. */
  ignored: number;
}

/** The two sockets of a port pair: RTP on the even port, RTCP on the odd one (RFC 3550 §11). */
function bindPair(bind: string, port: number): Promise<[dgram.Socket, dgram.Socket]> {
  const bindOne = (p: number): Promise<dgram.Socket> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(p, bind, () => {
        s.removeListener('error', reject);
        s.on('error', () => undefined); // ICMP unreachable from a phone that went away
        resolve(s);
      });
    });
  return bindOne(port).then((rtp) =>
    bindOne(port + 1)
      .catch((err: unknown) => {
        rtp.close();
        throw err;
      })
      .then((rtcp) => [rtp, rtcp]),
  );
}

/**
 * One RTP stream of a media application's call: a port pair from the pool, a random SSRC, sequence number
 * and timestamp base (RFC 3550 §5.1), symmetric RTP (packets go to where the peer's packets come from, once
 * any have; before that to the address in its SDP: phones behind NAT are reached like through the relay).
 * Received packets go up through `onPacket`; RTCP is read and dropped.
 */
export class RtpSession {
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  private sequence = randomBytes(2).readUInt16BE(0);
  private readonly timestampBase = randomBytes(4).readUInt32BE(0);
  private signalled: RtpEndpoint | undefined;
  private latched: RtpEndpoint | undefined;
  private closed = false;
  readonly stats: RtpSessionStats = { sent: 0, received: 0, ignored: 0 };
  onPacket: ((p: RtpPacket) => void) | undefined;

  private constructor(
    private readonly pool: PortPool,
    readonly localPort: number,
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket,
  ) {
    rtp.on('message', (data, rinfo) => this.receive(data, rinfo));
    rtcp.on('message', () => undefined);
  }

  /** Takes a free pair from `pool` and binds it; undefined when no pair can be had. */
  static async open(pool: PortPool, bind: string): Promise<RtpSession | undefined> {
    // A pair may be held by another program: try a bounded number of pairs before giving up.
    for (let attempt = 0; attempt < Math.min(16, pool.capacity); attempt++) {
      const port = pool.allocate();
      if (port === undefined) return undefined;
      try {
        const [rtp, rtcp] = await bindPair(bind, port);
        return new RtpSession(pool, port, rtp, rtcp);
      } catch {
        pool.release(port);
      }
    }
    return undefined;
  }

  /** Where the SDP says to send; a latched source (the peer's real address) keeps precedence. */
  setRemote(remote: RtpEndpoint | undefined): void {
    const changed = remote?.address !== this.signalled?.address || remote?.port !== this.signalled?.port;
    this.signalled = remote;
    // A new address in a re-INVITE means the peer moved: learn its source again.
    if (changed) this.latched = undefined;
  }

  get remote(): RtpEndpoint | undefined {
    return this.latched ?? this.signalled;
  }

  /** The RTP timestamp of frame `frame` at `samplesPerFrame` clock ticks per frame. */
  timestampOf(frame: number, samplesPerFrame: number): number {
    return (this.timestampBase + frame * samplesPerFrame) >>> 0;
  }

  send(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array): boolean {
    const to = this.remote;
    if (this.closed || !to) return false;
    const pkt = serializeRtp(
      { payloadType, marker, sequence: this.sequence, timestamp, ssrc: this.ssrc },
      payload,
    );
    this.sequence = (this.sequence + 1) & 0xffff;
    this.stats.sent++;
    this.rtp.send(pkt, to.port, to.address);
    return true;
  }

  private receive(data: Buffer, rinfo: dgram.RemoteInfo): void {
    const p = parseRtp(data);
    if (!p) {
      this.stats.ignored++;
      return;
    }
    this.stats.received++;
    if (!this.latched || this.latched.address !== rinfo.address || this.latched.port !== rinfo.port)
      this.latched = { address: rinfo.address, port: rinfo.port };
    this.onPacket?.(p);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onPacket = undefined;
    this.rtp.close();
    this.rtcp.close();
    this.pool.release(this.localPort);
  }
}
