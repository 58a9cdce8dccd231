import type { SipMessage } from '../message/sip-message.js';
import { hasRfc3261Branch, parseVia } from '../message/via.js';
import { parseCSeq } from '../message/cseq.js';
import { tagOf } from '../message/name-addr.js';

export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * Server transaction key (RFC 3261 §17.2.3): branch + sent-by + method, where ACK matches INVITE.
 * Requests from RFC 2543 elements (no magic cookie) are matched on the §17.2.3 fallback fields.
 */
export function serverTransactionKey(msg: SipMessage, methodOverride?: string): string | undefined {
  const top = msg.headers.getAll('Via')[0];
  if (top === undefined) return undefined;
  const via = parseVia(top);
  if (!via) return undefined;
  const cseq = parseCSeq(msg.headers.get('CSeq') ?? '');
  if (!cseq) return undefined;
  let method = methodOverride ?? (msg.kind === 'request' ? msg.method : cseq.method);
  if (method === 'ACK') method = 'INVITE';
  const branch = via.params.get('branch') ?? '';
  const sentBy = `${via.host}:${via.port ?? ''}`;
  // A bare magic cookie (RFC 4475 badbranch) identifies nothing: fall back to RFC 2543 matching.
  if (hasRfc3261Branch(via)) return `${branch}|${sentBy}|${method}`;
  const fromTag = tagOf(msg.headers.get('From') ?? '') ?? '';
  // §17.2.3: Request-URI, To tag, From tag, Call-ID, CSeq, top Via (ACK/CANCEL carry the INVITE's URI).
  const uri = msg.kind === 'request' ? msg.uri : '';
  const toTag = tagOf(msg.headers.get('To') ?? '') ?? '';
  const toTagPart = method === 'INVITE' ? '' : toTag; // the ACK for a non-2xx carries the response's To tag
  return `2543|${uri}|${msg.headers.get('Call-ID') ?? ''}|${cseq.seq}|${fromTag}|${toTagPart}|${sentBy}|${branch}|${method}`;
}

/** Client transaction key (RFC 3261 §17.1.3): top Via branch + CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}
