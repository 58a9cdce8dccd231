// A phone's audio for end-to-end media tests: one UDP socket on loopback that sends PCMU RTP (12-byte header
// + 160 bytes, one packet every 20 ms, sequence number and timestamp increasing, a bounded count) and keeps
// every packet it receives with the address it came from.
import dgram from 'node:dgram';

export interface SeenPacket {
  ssrc: number;
  seq: number;
  timestamp: number;
  payloadType: number;
  size: number;
  /** Where it came from. */
  address: string;
  port: number;
  at: number;
}

export class RtpPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: SeenPacket[] = [];
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  /** Packets sent so far (the next sequence number is derived from it). */
  sent = 0;
  private readonly firstSeq = Math.floor(Math.random() * 30000);
  private readonly firstTimestamp = Math.floor(Math.random() * 1e9);
  private closed = false;

  static async open(): Promise<RtpPeer> {
    const p = new RtpPeer();
    p.socket.on('error', () => undefined);
    await new Promise<void>((r) => p.socket.bind(0, '127.0.0.1', () => r()));
    p.socket.on('message', (data, rinfo) => {
      if (data.length < 12) return;
      p.received.push({
        ssrc: data.readUInt32BE(8),
        seq: data.readUInt16BE(2),
        timestamp: data.readUInt32BE(4),
        payloadType: data[1]! & 0x7f,
        size: data.length,
        address: rinfo.address,
        port: rinfo.port,
        at: Date.now(),
      });
    });
    return p;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The next PCMU packet: version 2, payload type 0, 160 bytes of µ-law silence. */
  private packet(): Buffer {
    const b = Buffer.alloc(12 + 160, 0xff);
    b[0] = 0x80;
    b[1] = 0;
    b.writeUInt16BE((this.firstSeq + this.sent) & 0xffff, 2);
    b.writeUInt32BE((this.firstTimestamp + 160 * this.sent) >>> 0, 4);
    b.writeUInt32BE(this.ssrc, 8);
    this.sent++;
    return b;
  }

  /** Sends `count` packets to `port`, one every 20 ms. */
  async stream(port: number, count: number, address = '127.0.0.1'): Promise<void> {
    for (let i = 0; i < count && !this.closed; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      const pkt = this.packet();
      await new Promise<void>((resolve) => this.socket.send(pkt, port, address, () => resolve()));
    }
  }

  /** Packets received from `other` (by its SSRC), optionally only those that arrived after `since`. */
  from(other: RtpPeer, since = 0): SeenPacket[] {
    return this.received.filter((p) => p.ssrc === other.ssrc && p.at >= since);
  }

  /** Waits until `count` packets of `other` arrived after `since`; false after `ms`. */
  async waitFrom(other: RtpPeer, count: number, ms: number, since = 0): Promise<boolean> {
    const end = Date.now() + ms;
    while (this.from(other, since).length < count) {
      if (Date.now() > end || this.closed) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
