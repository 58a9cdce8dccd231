import sdpTransform from 'sdp-transform';
import { HOLD_ADDRESS, type ParsedSdp } from './parse-sdp.js';

/**
 * Writes the description that points the other end at the relay: every `c=` (session and media level)
 * becomes `advertise`, except `c=0.0.0.0`, which stays so that the hold is still understood; each m-line
 * gets its relay port (0 = declined) and `a=rtcp` the port above it. Codecs, rtpmap, fmtp,
 * telephone-event, ptime and direction pass unchanged. The origin line (`o=`) is left alone.
 *
 * ICE attributes are removed (as rtpengine's ICE=remove): candidates name the phone's own addresses, and
 * an ICE agent that used them would bypass the relay; without them it uses `c=`/`m=` (RFC 8445 §5.1.1).
 */
export function anchorSdp(parsed: ParsedSdp, advertise: string, relayPorts: readonly number[]): string {
  const session = parsed.session;
  if (session.connection && session.connection.ip !== HOLD_ADDRESS)
    session.connection = { version: 4, ip: advertise };
  delete session.icelite;
  delete session.iceUfrag;
  delete session.icePwd;
  delete session.iceOptions;
  session.media.forEach((m, i) => {
    const stream = parsed.streams[i];
    if (stream?.rejected) return; // declined by its sender: keep port 0 and everything else as it was
    const port = relayPorts[i] ?? 0;
    m.port = port;
    if (m.connection && m.connection.ip !== HOLD_ADDRESS) m.connection = { version: 4, ip: advertise };
    if (port === 0) delete m.rtcp;
    else if (m.rtcp) {
      const toHold = m.rtcp.address === HOLD_ADDRESS;
      m.rtcp =
        m.rtcp.address === undefined || toHold
          ? { ...m.rtcp, port: port + 1 }
          : { port: port + 1, netType: 'IN', ipVer: 4, address: advertise };
    }
    delete m.candidates;
    delete m.remoteCandidates;
    delete m.endOfCandidates;
    delete m.iceUfrag;
    delete m.icePwd;
    delete m.iceOptions;
  });
  return sdpTransform.write(session);
}
