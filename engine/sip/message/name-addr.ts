import {
  formatParams,
  isTokenChar,
  isWsp,
  parseParams,
  quote,
  scanQuoted,
  skipWsp,
  unquote,
} from './grammar.js';
import { parseUri } from './uri.js';

/**
 * The value of From, To, Contact, Route, Record-Route, Reply-To … (RFC 3261 §20.10, §25.1):
 * `( name-addr / addr-spec ) *( SEMI generic-param )`.
 * `displayName` is the text (quotes removed, quoted-pairs resolved); `uri` is the URI exactly as
 * received; `params` are the header parameters (tag, expires, q …) with lower-case names and values as
 * received (a quoted value keeps its quotes).
 */
export interface NameAddr {
  displayName?: string;
  uri: string;
  params: Map<string, string | null>;
}

const LAQUOT = 60;
const RAQUOT = 62;

/** Characters that end an addr-spec written without angle brackets. */
function endOfAddrSpec(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 59 /* ; */ || isWsp(c)) break;
    i++;
  }
  return i;
}

/**
 * Parses name-addr or addr-spec plus header parameters. Accepts a token display name written straight
 * against "<" (RFC 4475 §3.1.1.6 lwsdisp). Rejects (null): `*` (the caller handles Contact: *), an
 * unterminated quoted display name (quotbal), spaces inside the angle brackets (badaspec), an unquoted
 * display name with non-token characters such as "," (baddn), an addr-spec carrying "?", "," or "<"
 * (§20: such a URI MUST be enclosed in "<" and ">"; regbadct), empty parameters (";;", badinv01) and a
 * URI that `parseUri` refuses. In the addr-spec form every ";" parameter belongs to the header, not the
 * URI (§20.10; RFC 4475 cparam01). Never throws.
 */
export function parseNameAddr(s: string): NameAddr | null {
  const n = s.length;
  let i = skipWsp(s, 0);
  if (i >= n) return null;
  let displayName: string | undefined;
  let angle = -1;

  if (s.charCodeAt(i) === 34 /* " */) {
    const end = scanQuoted(s, i);
    if (end < 0) return null;
    displayName = unquote(s.slice(i, end));
    i = skipWsp(s, end);
    if (s.charCodeAt(i) !== LAQUOT) return null;
    angle = i;
  } else {
    // *(token LWS) before "<", or else an addr-spec.
    let j = i;
    let words = '';
    while (j < n) {
      const c = s.charCodeAt(j);
      if (isTokenChar(c)) {
        const start = j;
        while (j < n && isTokenChar(s.charCodeAt(j))) j++;
        words = words ? `${words} ${s.slice(start, j)}` : s.slice(start, j);
      } else if (isWsp(c)) j++;
      else break;
    }
    if (j < n && s.charCodeAt(j) === LAQUOT) {
      if (words) displayName = words;
      angle = j;
    }
  }

  let uri: string;
  if (angle >= 0) {
    const close = s.indexOf('>', angle + 1);
    if (close < 0) return null;
    uri = s.slice(angle + 1, close);
    for (let k = 0; k < uri.length; k++) {
      const c = uri.charCodeAt(k);
      if (c <= 32 || c === LAQUOT || c === 34) return null;
    }
    i = close + 1;
  } else {
    const end = endOfAddrSpec(s, i);
    uri = s.slice(i, end);
    for (let k = 0; k < uri.length; k++) {
      const c = uri.charCodeAt(k);
      if (c === 63 /* ? */ || c === 44 /* , */ || c === LAQUOT || c === RAQUOT || c === 34) return null;
    }
    i = end;
  }
  if (parseUri(uri) === null) return null;
  const params = new Map<string, string | null>();
  if (!parseParams(s, i, params)) return null;
  const out: NameAddr = { uri, params };
  if (displayName !== undefined) out.displayName = displayName;
  return out;
}

/** Always writes the name-addr form `"Display" <uri>;params`, which is safe for any URI (§20.10). */
export function formatNameAddr(n: NameAddr): string {
  const dn = n.displayName !== undefined ? `${quote(n.displayName)} ` : '';
  return `${dn}<${n.uri}>${formatParams(n.params)}`;
}

/** The tag parameter of a From/To value, or undefined when absent, valueless or unparseable. */
export function tagOf(headerValue: string): string | undefined {
  const na = parseNameAddr(headerValue);
  const tag = na?.params.get('tag');
  return tag === null ? undefined : tag;
}
