/** RFC 3261 §7.3.3 compact forms (plus those registered later: RFC 3265, 3515, 3892, 4028, 3841, 4474). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const KNOWN = [
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Event',
  'Expires',
  'From',
  'Identity',
  'Identity-Info',
  'In-Reply-To',
  'Max-Forwards',
  'Min-Expires',
  'MIME-Version',
  'Organization',
  'P-Asserted-Identity',
  'Path',
  'Priority',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Refer-To',
  'Referred-By',
  'Reject-Contact',
  'Reply-To',
  'Request-Disposition',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'Server',
  'Session-Expires',
  'Min-SE',
  'Subject',
  'Subscription-State',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
];

const CANONICAL = new Map<string, string>(KNOWN.map((n) => [n.toLowerCase(), n]));
/** Names already in their canonical spelling: most phones write them so, and they need no lower-casing. */
const CANONICAL_SPELLINGS: ReadonlySet<string> = new Set(KNOWN);

/** True when `name` is a known header name in its canonical spelling ("Via", not "via" or "v"). */
export function isCanonicalKnownName(name: string): boolean {
  return CANONICAL_SPELLINGS.has(name);
}

/**
 * Headers whose values are comma-separated lists (RFC 3261 §7.3.1: `field-name: value *(,value)`).
 * Each element is kept as its own entry. Authorization-type headers and Date are NOT in this set:
 * their commas are inside a single value.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Call-Info',
  'Contact',
  'Content-Encoding',
  'Content-Language',
  'Error-Info',
  'In-Reply-To',
  'Path',
  'Proxy-Require',
  'Reason',
  'Record-Route',
  'Require',
  'Route',
  'Supported',
  'Unsupported',
  'Via',
  'Warning',
  'P-Asserted-Identity',
  'Accept-Contact',
  'Reject-Contact',
  'Request-Disposition',
]);

/** Canonical spelling of a header name: compact forms expanded, known names in their RFC case. */
export function canonicalHeaderName(name: string): string {
  if (CANONICAL_SPELLINGS.has(name)) return name;
  const lower = name.toLowerCase();
  if (lower.length === 1) {
    const full = COMPACT_FORMS[lower];
    if (full) return full;
  }
  return CANONICAL.get(lower) ?? name;
}
