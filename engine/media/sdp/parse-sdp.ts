import { isIPv4 } from 'node:net';
import sdpTransform from 'sdp-transform';
import { RelayError } from '../relay-driver.js';
import { STATIC_PAYLOAD_TYPES } from './payload-types.js';
import type { MediaDirection, SdpStream } from './sdp-stream.js';

/** A parsed session description: sdp-transform's tree, to rewrite, and the relay's view of each m-line. */
export interface ParsedSdp {
  session: sdpTransform.SessionDescription;
  streams: SdpStream[];
}

/** RFC 4566 §5.7 / RFC 3264 §8.4: the unspecified address puts a stream on hold. */
export const HOLD_ADDRESS = '0.0.0.0';

/** Parses an offer or answer. Throws RelayError 488 for a body that is not a usable session description. */
export function parseSdp(text: string): ParsedSdp {
  if (!/^v=0\s*$/m.test(text)) throw new RelayError('unusable SDP: no "v=0" line', 488);
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(text);
  } catch (err) {
    throw new RelayError(`unusable SDP: ${(err as Error).message}`, 488);
  }
  if (!Array.isArray(session.media) || session.media.length === 0)
    throw new RelayError('unusable SDP: no m= line', 488);
  const sessionDirection = session.direction;
  const streams = session.media.map((m, index): SdpStream => {
    const connection = m.connection ?? session.connection;
    const rejected = m.port === 0;
    const protocol = m.protocol ?? '';
    if (!rejected && connection === undefined)
      throw new RelayError(`unusable SDP: m-line ${index} (${m.type}) has no c= line`, 488);
    const address = connection?.ip ?? HOLD_ADDRESS;
    // A host name in c= is legal (RFC 4566 §5.7) but would need DNS on the media path: declined like IPv6.
    const relayable = !rejected && connection?.version === 4 && isIPv4(address) && !/TCP/i.test(protocol);
    const rtcpAddress = m.rtcp?.address !== undefined && isIPv4(m.rtcp.address) ? m.rtcp.address : address;
    const endpoint =
      !relayable || address === HOLD_ADDRESS
        ? null
        : {
            address,
            rtpPort: m.port,
            rtcpAddress: rtcpAddress === HOLD_ADDRESS ? address : rtcpAddress,
            rtcpPort: m.rtcp?.port ?? m.port + 1,
          };
    const { codec, clockRates } = payloadFormats(m);
    return {
      index,
      media: m.type,
      protocol,
      rejected,
      relayable,
      rtp: /RTP/i.test(protocol),
      endpoint,
      direction: (m.direction ?? sessionDirection ?? 'sendrecv') as MediaDirection,
      codec,
      clockRates,
    };
  });
  return { session, streams };
}

function payloadFormats(m: sdpTransform.MediaDescription): {
  codec: string | null;
  clockRates: Map<number, number>;
} {
  const clockRates = new Map<number, number>();
  const names = new Map<number, string>();
  // sdp-transform yields a number, not a string, when the m-line lists a single format.
  const listed = String(m.payloads ?? '')
    .split(' ')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  for (const pt of listed) {
    const known = STATIC_PAYLOAD_TYPES.get(pt);
    if (known) {
      clockRates.set(pt, known.clockRate);
      names.set(pt, known.codec);
    }
  }
  for (const r of m.rtp ?? []) {
    if (r.rate !== undefined) clockRates.set(r.payload, r.rate);
    names.set(r.payload, r.codec);
  }
  const first = listed[0];
  return { codec: first === undefined ? null : (names.get(first) ?? null), clockRates };
}
