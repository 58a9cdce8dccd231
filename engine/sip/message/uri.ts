import { isDigits, isHostname, isIpv6Body } from './grammar.js';

/**
 * A parsed URI (RFC 3261 §19.1, RFC 3966 for tel:). `user`, `password`, parameter values and header
 * values are kept exactly as received, escapes intact (decode with `unescapeUser` / `uriUserDecoded`).
 * Parameter names are lower-cased (they are case-insensitive, §19.1.4), so `params.get('lr')` works
 * whatever the sender's case. An IPv6 host keeps its brackets: `host` is `[2001:db8::1]`.
 * tel: URIs put the number in `host`. Any other scheme is opaque: `host` is '' and the text after
 * "scheme:" is in `opaque`.
 */
export interface SipUri {
  /** Lower-case scheme: sip, sips, tel, or anything else. */
  scheme: string;
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Map<string, string | null>;
  headers: Map<string, string>;
  /** Only for schemes other than sip, sips and tel: everything after "scheme:". */
  opaque?: string;
}

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) — the length of the scheme, or 0. */
function schemeLength(s: string): number {
  const n = s.length;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) return 0;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) return i;
    const ok =
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      (c >= 48 && c <= 57) ||
      c === 43 ||
      c === 45 ||
      c === 46;
    if (!ok) return 0;
  }
  return 0;
}

/** Characters that never appear in a URI on the wire: controls, SP, DEL and the delimiters < > ". */
function hasForbiddenChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) return true;
  }
  return false;
}

/**
 * userinfo = ( user / telephone-subscriber ) [ ":" password ] "@". user may hold user-unreserved
 * "& = + $ , ; ? /" and password ":" — so ";" and "?" before the "@" belong to the user part
 * (RFC 4475 §3.1.1.9 semiuri: `sip:user;par=u%40example.net@example.com`). "@" itself is not legal in
 * either; where a sender left one unescaped anyway, the userinfo ends at the last "@".
 */
const USERINFO = new Uint8Array(128);
for (let c = 48; c <= 57; c++) USERINFO[c] = 1;
for (let c = 65; c <= 90; c++) USERINFO[c] = 1;
for (let c = 97; c <= 122; c++) USERINFO[c] = 1;
for (const ch of "-_.!~*'()%&=+$,;?/:@") USERINFO[ch.charCodeAt(0)] = 1;

function userinfoEnd(s: string, from: number): number {
  let at = -1;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && USERINFO[c] !== 1) break;
    if (c === 64) at = i;
  }
  return at;
}

function parseUriParams(s: string, into: Map<string, string | null>): void {
  let i = 0;
  while (i <= s.length) {
    let j = s.indexOf(';', i);
    if (j < 0) j = s.length;
    if (j > i) {
      const eq = s.indexOf('=', i);
      if (eq >= 0 && eq < j) {
        const name = s.slice(i, eq).toLowerCase();
        if (name && !into.has(name)) into.set(name, s.slice(eq + 1, j));
      } else {
        const name = s.slice(i, j).toLowerCase();
        if (!into.has(name)) into.set(name, null);
      }
    }
    i = j + 1;
  }
}

function parseUriHeaders(s: string, into: Map<string, string>): void {
  for (const part of s.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name && !into.has(name)) into.set(name, eq < 0 ? '' : part.slice(eq + 1));
  }
}

/**
 * The last few URIs parsed, by text. One request has its Request-URI, From, To and Contact URIs read by
 * the parser's checks and again by the core that handles it; these answer the second reading. Results are
 * shared between callers: nobody may change a parsed URI (none does; build a new one instead).
 */
const RECENT = 8;
const recentText: (string | undefined)[] = new Array<string | undefined>(RECENT).fill(undefined);
const recentUri: (SipUri | null)[] = new Array<SipUri | null>(RECENT).fill(null);
let recentNext = 0;

/**
 * Parses an absolute URI. sip:/sips: are parsed fully (userinfo, host, port, params, headers) and
 * rejected (null) when the host or port is not well formed; tel: yields the number as `host`; any
 * other syntactically valid `scheme:rest` is accepted as opaque. Never throws. The result is shared
 * (see RECENT): treat it as read-only.
 */
export function parseUri(s: string): SipUri | null {
  for (let i = 0; i < RECENT; i++) if (recentText[i] === s) return recentUri[i] ?? null;
  const uri = parseUriText(s);
  recentText[recentNext] = s;
  recentUri[recentNext] = uri;
  recentNext = (recentNext + 1) % RECENT;
  return uri;
}

function parseUriText(s: string): SipUri | null {
  const sl = schemeLength(s);
  if (sl === 0 || sl + 1 >= s.length || hasForbiddenChar(s)) return null;
  const scheme = s.slice(0, sl).toLowerCase();
  const rest = s.slice(sl + 1);
  const params = new Map<string, string | null>();
  const headers = new Map<string, string>();

  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (!number || number.indexOf('?') >= 0 || number.indexOf('@') >= 0) return null;
    if (semi >= 0) parseUriParams(rest.slice(semi + 1), params);
    return { scheme, host: number, params, headers };
  }
  if (scheme !== 'sip' && scheme !== 'sips') return { scheme, host: '', params, headers, opaque: rest };

  const uri: SipUri = { scheme, host: '', params, headers };
  let i = 0;
  const at = userinfoEnd(rest, 0);
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!user) return null;
    uri.user = user;
    if (colon >= 0) uri.password = userinfo.slice(colon + 1);
    i = at + 1;
  }

  // hostport = host [ ":" port ]
  const n = rest.length;
  if (rest.charCodeAt(i) === 91 /* [ */) {
    const close = rest.indexOf(']', i);
    if (close < 0 || !isIpv6Body(rest.slice(i + 1, close))) return null;
    uri.host = rest.slice(i, close + 1);
    i = close + 1;
  } else {
    let j = i;
    while (j < n) {
      const c = rest.charCodeAt(j);
      if (c === 58 || c === 59 || c === 63) break; // : ; ?
      j++;
    }
    const host = rest.slice(i, j);
    if (!isHostname(host)) return null;
    uri.host = host;
    i = j;
  }
  if (i < n && rest.charCodeAt(i) === 58 /* : */) {
    let j = i + 1;
    while (j < n && rest.charCodeAt(j) >= 48 && rest.charCodeAt(j) <= 57) j++;
    const digits = rest.slice(i + 1, j);
    if (!isDigits(digits) || digits.length > 5) return null;
    const port = Number(digits);
    if (port > 65535) return null;
    uri.port = port;
    i = j;
  }
  if (i < n && rest.charCodeAt(i) === 59 /* ; */) {
    let q = rest.indexOf('?', i);
    if (q < 0) q = n;
    parseUriParams(rest.slice(i + 1, q), params);
    i = q;
  }
  if (i < n && rest.charCodeAt(i) === 63 /* ? */) {
    parseUriHeaders(rest.slice(i + 1), headers);
    i = n;
  }
  if (i !== n) return null;
  return uri;
}

/** Writes a URI back to text. Escapes in user, params and headers are written as they are stored. */
export function formatUri(u: SipUri): string {
  if (u.scheme !== 'sip' && u.scheme !== 'sips' && u.scheme !== 'tel')
    return `${u.scheme}:${u.opaque ?? u.host}`;
  let out = `${u.scheme}:`;
  if (u.user !== undefined && u.scheme !== 'tel') {
    out += u.user;
    if (u.password !== undefined) out += `:${u.password}`;
    out += '@';
  }
  out += u.host;
  if (u.port !== undefined) out += `:${u.port}`;
  for (const [k, v] of u.params) out += v === null ? `;${k}` : `;${k}=${v}`;
  if (u.headers.size > 0) {
    let sep = '?';
    for (const [k, v] of u.headers) {
      out += `${sep}${k}=${v}`;
      sep = '&';
    }
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Percent-decodes exactly once (RFC 3261 §19.1.2 escaped = "%" HEXDIG HEXDIG): "v%61lue%25%34%31"
 * becomes "value%41", never "valueA". The decoded octets are read as UTF-8; when they are not valid
 * UTF-8 each escaped octet becomes the code point of the same value, so distinct inputs stay distinct
 * (RFC 4475 escnull: "%00" and "%00%00" are two different users). A "%" not followed by two hex digits
 * is kept literally. NUL is data here: nothing truncates at it.
 */
export function unescapeUser(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let latin = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length) {
      const h = hexValue(s.charCodeAt(i + 1));
      const l = hexValue(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        const b = h * 16 + l;
        bytes.push(b);
        latin += String.fromCharCode(b);
        i += 2;
        continue;
      }
    }
    const ch = s[i]!;
    latin += ch;
    if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
  }
  try {
    return utf8Strict.decode(Uint8Array.from(bytes));
  } catch {
    return latin;
  }
}

/** The user part of a URI with escapes decoded, or undefined when there is none. */
export function uriUserDecoded(u: SipUri): string | undefined {
  return u.user === undefined ? undefined : unescapeUser(u.user);
}

/**
 * The address-of-record key of a URI (RFC 3261 §10.3 step 5: parameters and headers removed,
 * escapes decoded): `sip:user@host` with the host lower-cased and the user decoded but case kept.
 * sips: maps to sip: as the same resource (RFC 5630 §3.1.1), and the port is dropped so that a phone
 * registering `sip:100@pbx:5060` and a caller dialling `sip:100@pbx` meet. tel: gives `tel:number`.
 */
export function aorOf(u: SipUri): string {
  if (u.scheme === 'sip' || u.scheme === 'sips') {
    const host = u.host.toLowerCase();
    return u.user === undefined ? `sip:${host}` : `sip:${unescapeUser(u.user)}@${host}`;
  }
  if (u.scheme === 'tel') return `tel:${u.host}`;
  return `${u.scheme}:${u.opaque ?? ''}`;
}
