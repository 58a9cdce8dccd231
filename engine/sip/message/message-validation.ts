import { isDigits, isWsp, parseBoundedInt } from './grammar.js';
import {
  BAD_REQUEST,
  failure,
  type MessageHead,
  type ParseResult,
  type RequestLine,
} from './message-head.js';
import { parseNameAddr } from './name-addr.js';
import { SipHeaders } from './sip-message.js';
import { parseUri } from './uri.js';
import { parseVia } from './via.js';

/**
 * Checks a message whose head was read without syntax errors (RFC 3261 §8.2.2, §16.3 "reasonable
 * syntax check", §20) and turns it into a SipMessage. After this, every request has exactly one From,
 * To, Call-ID and CSeq, at least one Via, and each of those parses.
 */
export function finishMessage(head: MessageHead, body: Buffer): ParseResult {
  const start = head.start;
  if (start === null) return failure(null, BAD_REQUEST, 'Bad Request - Malformed Start-Line', body);
  // The parser wrote every known name canonically; the checks leave the parsed top Via, From, To and
  // CSeq in the header list for the layers above.
  const headers = new SipHeaders(head.headers, true);
  if (start.kind === 'response') {
    const reason = checkHeaders(headers, null);
    if (reason !== null) return { ok: false, status: BAD_REQUEST, reason };
    const message = {
      kind: 'response' as const,
      status: start.status,
      reason: start.reason,
      headers,
      body,
    };
    return { ok: true, message };
  }
  const reason = checkRequestUri(start.uri) ?? checkHeaders(headers, start);
  if (reason !== null) return failure(head, BAD_REQUEST, reason, body);
  const message = {
    kind: 'request' as const,
    method: start.method,
    uri: start.uri,
    headers,
    body,
  };
  return { ok: true, message };
}

/**
 * Request-URI = SIP-URI / SIPS-URI / absoluteURI. sip/sips/tel must parse; a sip/sips Request-URI must
 * not carry headers (§19.1.1 table: "headers" are not allowed in a Request-URI; RFC 4475 escruri).
 * Other schemes (RFC 4475 unkscm, novelsc) pass: answering 416 is the core's business, not a 400.
 */
function checkRequestUri(uri: string): string | null {
  const u = parseUri(uri);
  if (u === null) return 'Bad Request - Invalid Request-URI';
  if ((u.scheme === 'sip' || u.scheme === 'sips') && u.headers.size > 0)
    return 'Bad Request - Headers in Request-URI';
  return null;
}

const NAMES_REQUIRED = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/** Returns the reason phrase of the first problem, or null. `request` is null for a response. */
function checkHeaders(list: SipHeaders, request: RequestLine | null): string | null {
  const headers = list.entries;
  let vias = 0;
  let badVia = false;
  let fromN = 0;
  let toN = 0;
  let callIdN = 0;
  let cseqN = 0;
  let maxForwardsN = 0;
  let callId = '';
  // Problems in optional headers are reported only once the mandatory ones are known to be fine, so
  // the reason names the most basic fault (RFC 4475 scalar02 is refused for its CSeq first).
  let optional: string | null = null;
  for (const h of headers) {
    switch (h.name) {
      case 'Via':
        // The first is the top Via, kept parsed in the list.
        if (!badVia && (vias === 0 ? list.topVia() : parseVia(h.value)) === null) badVia = true;
        vias++;
        break;
      case 'From':
        fromN++;
        break;
      case 'To':
        toN++;
        break;
      case 'Call-ID':
        callIdN++;
        callId = h.value;
        break;
      case 'CSeq':
        cseqN++;
        break;
      case 'Max-Forwards':
        if (request === null) break;
        maxForwardsN++;
        // Max-Forwards = 1*DIGIT, 0-255 (§20.22); "0068" is fine (RFC 4475 wsinv), 300 is not (scalar02).
        if (optional === null && parseBoundedInt(h.value, 255) === null)
          optional = 'Bad Request - Invalid Max-Forwards';
        break;
      case 'Expires':
        if (request !== null && optional === null && !isDigits(h.value))
          optional = 'Bad Request - Invalid Expires';
        break;
      case 'Contact':
        if (request !== null && optional === null && h.value !== '*' && parseNameAddr(h.value) === null)
          optional = 'Bad Request - Invalid Contact';
        break;
      case 'Route':
      case 'Record-Route':
        if (request !== null && optional === null && parseNameAddr(h.value) === null)
          optional = `Bad Request - Invalid ${h.name}`;
        break;
      default:
        break;
    }
  }
  const counts = [vias, fromN, toN, callIdN, cseqN];
  const missing = NAMES_REQUIRED.filter((_, k) => counts[k] === 0);
  if (missing.length > 0) return `Bad Request - Missing ${missing.join(', ')}`;
  if (fromN > 1) return 'Bad Request - Multiple From';
  if (toN > 1) return 'Bad Request - Multiple To';
  if (callIdN > 1) return 'Bad Request - Multiple Call-ID';
  if (cseqN > 1) return 'Bad Request - Multiple CSeq';
  if (badVia) return 'Bad Request - Invalid Via';
  // Exactly one From, To and CSeq: the list's parsed forms are theirs.
  if (list.from() === null) return 'Bad Request - Invalid From';
  if (list.to() === null) return 'Bad Request - Invalid To';
  if (!validCallId(callId)) return 'Bad Request - Invalid Call-ID';
  const c = list.cseq();
  if (c === null) return 'Bad Request - Invalid CSeq';
  // §8.2.2 / RFC 4475 mismatch01: the CSeq method must be the request's method.
  if (request !== null && c.method !== request.method) return 'Bad Request - CSeq Method Mismatch';
  if (maxForwardsN > 1) return 'Bad Request - Multiple Max-Forwards';
  return optional;
}

/** callid = word [ "@" word ]: non-empty and without LWS. */
function validCallId(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) if (isWsp(v.charCodeAt(i))) return false;
  return true;
}
