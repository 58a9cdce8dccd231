/** How long a subscription may last, as the registrar's bounds do for registrations. */
export interface SubscriptionOptions {
  /** Shorter requests get 423 Interval Too Brief with Min-Expires (RFC 6665 §4.2.1.1). */
  minExpires: number;
  /** Longer requests are granted this much: a notifier may shorten, never lengthen (§4.2.1.1). */
  maxExpires: number;
  /** Granted when the SUBSCRIBE carries no Expires (the package's default: RFC 3842 §4 suggests an hour). */
  defaultExpires: number;
}

export const DEFAULT_SUBSCRIPTION_OPTIONS: SubscriptionOptions = {
  minExpires: 60,
  maxExpires: 3600,
  defaultExpires: 3600,
};

export type ExpiresDecision =
  { ok: true; seconds: number } | { ok: false; status: number; reason: string; minExpires?: number };

/**
 * The duration granted for a SUBSCRIBE's Expires header: 0 is an unsubscribe (or a fetch), anything else is
 * clamped to the bounds; a value that is not delta-seconds is refused with 400 naming the header.
 */
export function grantExpires(header: string | undefined, o: SubscriptionOptions): ExpiresDecision {
  if (header === undefined) return { ok: true, seconds: Math.min(o.defaultExpires, o.maxExpires) };
  if (!/^\s*\d+\s*$/.test(header)) return { ok: false, status: 400, reason: 'Bad Request - Invalid Expires' };
  const asked = Number(header.trim());
  if (asked === 0) return { ok: true, seconds: 0 };
  if (asked < o.minExpires)
    return { ok: false, status: 423, reason: 'Interval Too Brief', minExpires: o.minExpires };
  return { ok: true, seconds: Math.min(asked, o.maxExpires) };
}

/** An Event header (RFC 6665 §8.2.1): the package name and the optional `id` telling subscriptions apart. */
export interface EventHeader {
  package: string;
  id: string | undefined;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Parses `message-summary;id=1`; null when the package is not a token. Package names compare lower-cased. */
export function parseEventHeader(value: string | undefined): EventHeader | null {
  if (value === undefined) return null;
  const [name = '', ...params] = value.split(';').map((s) => s.trim());
  if (!TOKEN.test(name)) return null;
  let id: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === 'id') id = p.slice(eq + 1).trim();
  }
  return { package: name.toLowerCase(), id };
}

/** The Event header written into NOTIFYs: the package, with the subscription's id when it had one. */
export function formatEventHeader(e: EventHeader): string {
  return e.id !== undefined ? `${e.package};id=${e.id}` : e.package;
}
