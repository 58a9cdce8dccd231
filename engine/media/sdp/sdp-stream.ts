/** What the relay needs to know about one m-line of a session description (RFC 4566 §5.14). */

/** Where one phone wants to receive a stream's RTP and RTCP, as its SDP says. */
export interface MediaEndpoint {
  address: string;
  rtpPort: number;
  /** `a=rtcp` (RFC 3605) when present, else RTP + 1 (RFC 3550 §11). */
  rtcpAddress: string;
  rtcpPort: number;
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpStream {
  /** Position of the m-line (RFC 3264 §6: the answer keeps the offer's order). */
  index: number;
  media: string;
  protocol: string;
  /** Port 0: the stream is declined or removed (RFC 3264 §6, §8.2). */
  rejected: boolean;
  /**
   * The relay can carry it: UDP transport and IPv4 (a TCP-based or IPv6 stream is declined with port 0,
   * as the relay listens on UDP over IPv4 only).
   */
  relayable: boolean;
  /** RTP-based (statistics from RTP headers make sense); false for e.g. UDPTL (T.38). */
  rtp: boolean;
  /** Null when the phone holds with `c=0.0.0.0` (RFC 2543 hold, RFC 3264 §8.4): send it nothing. */
  endpoint: MediaEndpoint | null;
  direction: MediaDirection;
  /** The first (preferred, or in an answer the chosen) payload format's encoding name. */
  codec: string | null;
  /** Payload type → RTP clock rate, for jitter in milliseconds. */
  clockRates: Map<number, number>;
}

/**
 * True when the stream carries media both ways: not declined, not held with 0.0.0.0, and `sendrecv` (RFC 3264
 * §8.4: sendonly, recvonly and inactive put it on hold, when silence is expected).
 */
export function streamSendsBothWays(s: SdpStream): boolean {
  return !s.rejected && s.endpoint !== null && s.direction === 'sendrecv';
}

/** True when the stream carries media in at least one direction (not held with 0.0.0.0, not inactive). */
export function streamFlows(s: SdpStream): boolean {
  return !s.rejected && s.endpoint !== null && s.direction !== 'inactive';
}
