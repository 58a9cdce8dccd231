import {
  createResponseMessage,
  type HeaderEntry,
  type SipRequest,
  type SipResponse,
} from '../message/sip-message.js';
import type { NameAddr } from '../message/name-addr.js';
import { randomHex } from './random-pool.js';

/** Standard reason phrases (RFC 3261 §21 and later RFCs); a table, not a switch. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Progress' : status < 300 ? 'OK' : 'Error');
}

/** Whether a From/To carries a tag with a value (as tagOf() reads it). */
function hasTag(na: NameAddr | null): boolean {
  const tag = na?.params.get('tag');
  return tag !== undefined && tag !== null;
}

export function newTag(): string {
  return randomHex(6);
}

/**
 * Builds a response to `req` (RFC 3261 §8.2.6.2): Via (all values, in order), From, Call-ID, CSeq copied;
 * To copied with a tag added when it has none and the response is not 100. `toTag` lets a UAS keep its
 * tag stable across responses of one transaction.
 */
export function makeResponse(
  req: SipRequest,
  status: number,
  reason: string = reasonPhrase(status),
  extra: HeaderEntry[] = [],
  toTag?: string,
): SipResponse {
  const headers: HeaderEntry[] = [];
  for (const v of req.headers.getAll('Via')) headers.push({ name: 'Via', value: v });
  const from = req.headers.get('From');
  if (from !== undefined) headers.push({ name: 'From', value: from });
  let to = req.headers.get('To');
  if (to !== undefined && status > 100 && !hasTag(req.headers.to())) to = `${to};tag=${toTag ?? newTag()}`;
  if (to !== undefined) headers.push({ name: 'To', value: to });
  const callId = req.headers.get('Call-ID');
  if (callId !== undefined) headers.push({ name: 'Call-ID', value: callId });
  const cseq = req.headers.get('CSeq');
  if (cseq !== undefined) headers.push({ name: 'CSeq', value: cseq });
  if (status === 100) {
    const ts = req.headers.get('Timestamp'); // RFC 3261 §8.2.6.1
    if (ts !== undefined) headers.push({ name: 'Timestamp', value: ts });
  }
  for (const e of extra) headers.push(e);
  const res = createResponseMessage(status, reason, headers);
  // The response's Via, From and CSeq are the request's texts: their parsed forms carry over (To only
  // while it has no tag added; a changed text is parsed afresh anyway).
  res.headers.adoptParsed(req.headers);
  return res;
}
