import {
  BAD_REQUEST,
  bodyStartAfter,
  failure,
  findHeadEnd,
  headFailure,
  isLineBreak,
  MAX_MESSAGE_SIZE,
  readHead,
  TOO_LARGE,
  TOO_LARGE_REASON,
  type ParseResult,
} from './message-head.js';
import { finishMessage } from './message-validation.js';

export { MAX_MESSAGE_SIZE, type ParseFailure, type ParseResult } from './message-head.js';
export { StreamFramer, type StreamFramerOptions } from './stream-framer.js';

const EMPTY = Buffer.alloc(0);

/**
 * Parses the one SIP message in a UDP datagram (or a WebSocket message, RFC 7118 §5.3).
 *
 * Framing (RFC 3261 §18.3): leading CRLFs (keep-alives) are skipped; with a Content-Length the body is
 * exactly that many octets and anything after it is ignored (RFC 4475 dblreq); a Content-Length larger
 * than what arrived is a 400 (clerr); without one the body is the rest of the datagram (inv2543). A
 * datagram whose head lacks the terminating empty line is read as head only. The body is a view into
 * `buf` and is never decoded as text (mpart01). Above MAX_MESSAGE_SIZE octets the answer is 413.
 *
 * On failure `status`/`reason` are the response to send; `request` is there only when the message was
 * a request and its start line was read, holding every header that could be read, unvalidated.
 * Never throws.
 */
export function parseDatagram(buf: Buffer): ParseResult {
  const len = buf.length;
  let start = 0;
  while (start < len && isLineBreak(buf[start])) start++;
  if (start >= len) return { ok: false, status: BAD_REQUEST, reason: 'Bad Request - Empty Message' };

  let headEnd = findHeadEnd(buf, start, len);
  let bodyStart: number;
  if (headEnd < 0) {
    headEnd = len;
    bodyStart = len;
  } else bodyStart = bodyStartAfter(buf, headEnd);

  if (len > MAX_MESSAGE_SIZE) {
    // Read the head only to be able to address the 413; a head that is itself too large is dropped.
    const head = headEnd - start <= MAX_MESSAGE_SIZE ? readHead(buf.toString('utf8', start, headEnd)) : null;
    return failure(head, TOO_LARGE, TOO_LARGE_REASON, EMPTY);
  }

  const head = readHead(buf.toString('utf8', start, headEnd));
  const early = headFailure(head, EMPTY);
  if (early) return early;
  const cl = head.contentLength;
  let body: Buffer;
  if (cl === undefined) body = buf.subarray(bodyStart);
  else if (cl > len - bodyStart)
    return failure(head, BAD_REQUEST, 'Bad Request - Content-Length Too Large', EMPTY);
  else body = buf.subarray(bodyStart, bodyStart + cl);
  return finishMessage(head, body);
}

/** True for a datagram holding nothing but CR/LF octets (a keep-alive, RFC 5626 §3.5.1 / §4.4.1). */
export function isKeepAlive(buf: Buffer): boolean {
  if (buf.length === 0) return false;
  for (let i = 0; i < buf.length; i++) if (!isLineBreak(buf[i])) return false;
  return true;
}
