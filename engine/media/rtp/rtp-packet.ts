/** An RTP packet (RFC 3550 §5.1) as the media applications see it. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** The payload, without CSRCs, header extension or padding (a view into the datagram). */
  payload: Buffer;
}

export const RTP_HEADER_SIZE = 12;

/**
 * Parses a datagram; undefined for anything that is not RTP version 2 with a consistent length (RTCP sent
 * to the RTP port, STUN, garbage). Never throws.
 */
export function parseRtp(b: Buffer): RtpPacket | undefined {
  if (b.length < RTP_HEADER_SIZE || b[0]! >> 6 !== 2) return undefined;
  const pt = b[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return undefined; // RTCP packet types 200–204 seen through the RTP port (RFC 5761 §4)
  const csrcCount = b[0]! & 0x0f;
  let off = RTP_HEADER_SIZE + 4 * csrcCount;
  if (b[0]! & 0x10) {
    if (off + 4 > b.length) return undefined;
    off += 4 + 4 * b.readUInt16BE(off + 2);
  }
  let end = b.length;
  if (b[0]! & 0x20) end -= b[b.length - 1]!;
  if (off > end) return undefined;
  return {
    payloadType: pt,
    marker: (b[1]! & 0x80) !== 0,
    sequence: b.readUInt16BE(2),
    timestamp: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    payload: b.subarray(off, end),
  };
}

/** Writes a 12-byte header (no CSRCs, no extension) and the payload into one new datagram. */
export function serializeRtp(p: Omit<RtpPacket, 'payload'>, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
  b[0] = 0x80;
  b[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  b.writeUInt16BE(p.sequence & 0xffff, 2);
  b.writeUInt32BE(p.timestamp >>> 0, 4);
  b.writeUInt32BE(p.ssrc >>> 0, 8);
  b.set(payload, RTP_HEADER_SIZE);
  return b;
}
