import { isToken, isWsp, parseBoundedInt, trimWsp } from './grammar.js';

export interface CSeq {
  seq: number;
  method: string;
}

/**
 * The largest sequence number accepted on input. RFC 3261 §8.1.1.5: the number "MUST be expressible as
 * a 32-bit unsigned integer and MUST be less than 2**31"; we generate below 2**31 but, being liberal,
 * accept anything a 32-bit unsigned integer holds. Larger values are rejected (RFC 4475 scalar02).
 */
export const MAX_CSEQ = 0xffffffff;

/** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); leading zeros are fine ("0009 INVITE"). */
export function parseCSeq(s: string): CSeq | null {
  const v = trimWsp(s);
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === 0 || i >= v.length || !isWsp(v.charCodeAt(i))) return null;
  const seq = parseBoundedInt(v.slice(0, i), MAX_CSEQ);
  if (seq === null) return null;
  let j = i;
  while (j < v.length && isWsp(v.charCodeAt(j))) j++;
  const method = v.slice(j);
  if (!isToken(method)) return null;
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
