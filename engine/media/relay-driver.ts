/**
 * The seam between signalling and media (rtpengine's offer / answer / delete / query): the SIP side hands
 * over session descriptions and gets back rewritten ones that point at the relay; it never touches a media
 * socket. Two implementations: the built-in relay (engine/media/relay) and rtpengine over its ng protocol.
 */

/** Identifies one call's media: the dialog's Call-ID and the tags of its two ends. */
export interface MediaCallKey {
  callId: string;
  /** Tag of the caller (From tag of the initial INVITE). */
  fromTag: string;
  /** Tag of the callee, once known (To tag of the answer). */
  toTag?: string;
}

export interface OfferRequest extends MediaCallKey {
  /** The SDP offer as sent by `fromTag`'s side... or, for a re-offer from the callee, by `toTag`'s side. */
  sdp: string;
  /** Which end sent this offer: 'caller' (From tag of the INVITE) or 'callee'. */
  from: 'caller' | 'callee';
  /** Source address of the signalling, a hint for phones behind NAT. */
  signallingAddress: string;
}

export interface AnswerRequest extends MediaCallKey {
  toTag: string;
  sdp: string;
  /** Which end sent this answer. */
  from: 'caller' | 'callee';
  signallingAddress: string;
  /** An answer in a provisional response (183 early media): the call is not answered yet. */
  provisional?: boolean;
}

/** Per-direction statistics of one media stream (RFC 3550 A.3 loss, A.8 jitter). */
export interface StreamDirectionStats {
  packets: number;
  bytes: number;
  /** Packets lost according to RTP sequence numbers. */
  lost: number;
  /** Interarrival jitter in milliseconds. */
  jitterMs: number;
  /** Where packets actually came from (after latching), if any arrived. */
  source: string | null;
  /** RTCP packets received (on the RTCP port), where the driver counts them. */
  rtcpPackets?: number;
  /** Packets dropped because they came from another source than the latched one (strict source). */
  dropped?: number;
  /**
   * False when the relay could not measure loss and jitter: rtpengine takes them only from the phones' RTCP
   * reports, and phones that send none leave `lost` and `jitterMs` at 0 meaning "unknown", not "perfect".
   * Absent: measured (the built-in relay reads every packet's sequence number and timestamp).
   */
  qualityMeasured?: boolean;
}

export interface StreamStats {
  /** m-line index in the SDP. */
  index: number;
  media: string;
  codec: string | null;
  /** Packets from the caller towards the callee. */
  callerToCallee: StreamDirectionStats;
  /** Packets from the callee towards the caller. */
  calleeToCaller: StreamDirectionStats;
}

export interface CallMediaStats {
  callId: string;
  streams: StreamStats[];
  /** Milliseconds since the last packet in either direction. */
  idleMs: number;
}

export class RelayError extends Error {
  constructor(
    message: string,
    /** The SIP status to answer with (503 when the port range is exhausted, 488 for unusable SDP). */
    readonly sipStatus: number,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

export interface RelayDriver {
  readonly name: string;
  offer(req: OfferRequest): Promise<string>;
  answer(req: AnswerRequest): Promise<string>;
  /** Ends the call's media and returns its final statistics. */
  delete(key: MediaCallKey): Promise<CallMediaStats | undefined>;
  query(callId: string): Promise<CallMediaStats | undefined>;
  /** Calls whose media has been idle longer than the configured timeout are reported here. */
  onMediaTimeout?: (callId: string) => void;
  close(): Promise<void>;
}
