import type { SipMessage } from '../message/sip-message.js';
import { parseVia } from '../message/via.js';
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
  if (branch.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy}|${method}`;
  const fromTag = tagOf(msg.headers.get('From') ?? '') ?? '';
  return `2543|${msg.headers.get('Call-ID') ?? ''}|${cseq.seq}|${fromTag}|${sentBy}|${branch}|${method}`;
}

/** Client transaction key (RFC 3261 §17.1.3): top Via branch + CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}
