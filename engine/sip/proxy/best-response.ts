import type { SipResponse } from '../message/sip-message.js';

/**
 * Preference among final responses when no branch answered 2xx (RFC 3261 §16.7 step 6): a 6xx ends the
 * search; otherwise the "most useful" answer for the caller: a redirect, a response the caller can act on
 * (a challenge, 415, 420, 484), a busy signal, other client errors, unavailable, timeouts, then server
 * errors. Lower is better.
 */
export function responseRank(status: number): number {
  if (status >= 600) return 0;
  if (status >= 300 && status < 400) return 1;
  // "…it SHOULD give preference to [401, 407, 415, 420, 484]": they let the caller retry successfully.
  if (status === 401 || status === 407 || status === 415 || status === 420 || status === 484) return 2;
  if (status === 486) return 3;
  if (status === 480) return 6;
  if (status === 408) return 7;
  if (status === 487) return 8;
  if (status >= 400 && status < 500) return 4;
  return 9;
}

export function pickBest(responses: SipResponse[]): SipResponse | undefined {
  let best: SipResponse | undefined;
  for (const r of responses) {
    if (
      !best ||
      responseRank(r.status) < responseRank(best.status) ||
      (responseRank(r.status) === responseRank(best.status) && r.status < best.status)
    )
      best = r;
  }
  return best;
}
