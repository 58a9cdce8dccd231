import type { SipMessage } from '../message/sip-message.js';
import { hasRfc3261Branch } from '../message/via.js';

export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * Server transaction key (RFC 3261 §17.2.3): branch + sent-by + method, where ACK matches INVITE.
 * Requests from RFC 2543 elements (no magic cookie) are matched on the §17.2.3 fallback fields.
 */
export function serverTransactionKey(msg: SipMessage, methodOverride?: string): string | undefined {
  const via = msg.headers.topVia();
  if (!via) return undefined;
  const cseq = msg.headers.cseq();
  if (!cseq) return undefined;
  let method = methodOverride ?? (msg.kind === 'request' ? msg.method : cseq.method);
  if (method === 'ACK') method = 'INVITE';
  const branch = via.params.get('branch') ?? '';
  const sentBy = `${via.host}:${via.port ?? ''}`;
  // A bare magic cookie (RFC 4475 badbranch) identifies nothing: fall back to RFC 2543 matching.
  if (hasRfc3261Branch(via)) return `${branch}|${sentBy}|${method}`;
  const fromTag = tagParam(msg.headers.from()?.params.get('tag'));
  // §17.2.3: Request-URI, To tag, From tag, Call-ID, CSeq, top Via (ACK/CANCEL carry the INVITE's URI).
  const uri = msg.kind === 'request' ? msg.uri : '';
  const toTag = tagParam(msg.headers.to()?.params.get('tag'));
  const toTagPart = method === 'INVITE' ? '' : toTag; // the ACK for a non-2xx carries the response's To tag
  return `2543|${uri}|${msg.headers.get('Call-ID') ?? ''}|${cseq.seq}|${fromTag}|${toTagPart}|${sentBy}|${branch}|${method}`;
}

function tagParam(tag: string | null | undefined): string {
  return tag ?? '';
}

/** Client transaction key (RFC 3261 §17.1.3): top Via branch + CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}
