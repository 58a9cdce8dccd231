/**
 * Character classes and small scanners shared by the SIP grammar modules (RFC 3261 §25.1).
 * Everything here works on UTF-16 code units with `charCodeAt` and never backtracks, so each scanner is
 * linear in its input.
 */

const SP = 32;
const HTAB = 9;
const DQUOTE = 34;
const BACKSLASH = 92;
const SEMI = 59;
const EQUAL = 61;

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = table("-.!%*_+`'~", true);
/**
 * An unquoted gen-value: token / host. `host` adds "[" ":" "]" for IPv6 references, which RFC 3261
 * also allows bare in `received` (via-received = "received" EQUAL (IPv4address / IPv6address)).
 */
const GEN_VALUE = table("-.!%*_+`'~:[]", true);
/** Characters of a hostname or IPv4 address. "_" is not in RFC 3261 but real networks have it. */
const HOSTNAME = table('-._', true);

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** hostname / IPv4address (loosely: the characters, not the label structure). */
export function isHostname(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HOSTNAME[c] !== 1) return false;
  }
  return true;
}

/** The inside of an IPv6reference "[" IPv6address "]" (hex digits, ":" and "." for an embedded IPv4). */
export function isIpv6Body(s: string): boolean {
  const n = s.length;
  if (n < 2) return false;
  let colons = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) colons++;
    else if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46))
      return false;
  }
  return colons >= 2;
}

/** host = hostname / IPv4address / IPv6reference. */
export function isHost(s: string): boolean {
  if (s.charCodeAt(0) === 91 /* [ */) {
    return s.charCodeAt(s.length - 1) === 93 /* ] */ && isIpv6Body(s.slice(1, -1));
  }
  return isHostname(s);
}

export function isWsp(c: number): boolean {
  return c === SP || c === HTAB;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isDigits(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * 1*DIGIT as a number, leading zeros allowed ("0068" is 68), or null when it is not all digits or is
 * above `max`. Never overflows: long digit strings are rejected by length before conversion.
 */
export function parseBoundedInt(s: string, max: number): number | null {
  if (!isDigits(s)) return null;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  const digits = s.length - i;
  if (digits > 15) return null;
  const v = Number(s.slice(i));
  return v <= max ? v : null;
}

/** Index of the first character at or after `i` that is not SP or HTAB. */
export function skipWsp(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== HTAB) break;
    i++;
  }
  return i;
}

/** Trims SP and HTAB only (String#trim also eats NBSP, VT, FF … which are data in SIP). */
export function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** End of a token starting at `i` (== i when there is none). */
export function scanToken(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

/**
 * quoted-string starting at `i` (which must be the opening DQUOTE). Returns the index after the closing
 * quote, or -1 when unterminated. quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): CR and LF cannot be
 * escaped, and an unescaped one ends nothing (header lines never contain them after unfolding).
 */
export function scanQuoted(s: string, i: number): number {
  const n = s.length;
  i++;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === DQUOTE) return i + 1;
    if (c === BACKSLASH) {
      if (i + 1 >= n) return -1;
      const d = s.charCodeAt(i + 1);
      if (d === 10 || d === 13) return -1;
      i += 2;
      continue;
    }
    if (c === 10 || c === 13) return -1;
    i++;
  }
  return -1;
}

/** The text of a quoted-string (quotes removed, quoted-pairs resolved). `s` includes both quotes. */
export function unquote(s: string): string {
  if (s.length < 2) return s;
  const inner = s.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1]!;
      i++;
    } else out += ch;
  }
  return out;
}

/**
 * Quotes `text` as a quoted-string. `"` and `\` become quoted-pairs, as do other control characters
 * (quoted-pair allows them, qdtext does not); CR and LF cannot be carried at all and become SP, so a
 * value from the API can never inject a header line.
 */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10) out += ' ';
    else if (c === DQUOTE || c === BACKSLASH || (c < 32 && c !== HTAB) || c === 127) out += '\\' + text[i]!;
    else out += text[i]!;
  }
  return out + '"';
}

/**
 * `*( SEMI generic-param )` from `i` to the end of `s`, with LWS allowed around ";" and "=" (RFC 3261
 * SEMI = SWS ";" SWS, EQUAL = SWS "=" SWS). generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string. Names are lower-cased (parameter names are
 * case-insensitive, §7.3.1); values are kept as received, quoted-strings with their quotes.
 * Fills `into` (first occurrence of a name wins) and returns false on any syntax error, including an
 * empty parameter (";;").
 */
export function parseParams(s: string, i: number, into: Map<string, string | null>): boolean {
  const n = s.length;
  for (;;) {
    i = skipWsp(s, i);
    if (i >= n) return true;
    if (s.charCodeAt(i) !== SEMI) return false;
    i = skipWsp(s, i + 1);
    const nameEnd = scanToken(s, i);
    if (nameEnd === i) return false;
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipWsp(s, nameEnd);
    let value: string | null = null;
    if (i < n && s.charCodeAt(i) === EQUAL) {
      i = skipWsp(s, i + 1);
      if (i >= n) return false;
      if (s.charCodeAt(i) === DQUOTE) {
        const end = scanQuoted(s, i);
        if (end < 0) return false;
        value = s.slice(i, end);
        i = end;
      } else {
        const start = i;
        while (i < n) {
          const c = s.charCodeAt(i);
          if (c >= 128 || GEN_VALUE[c] !== 1) break;
          i++;
        }
        if (i === start) return false;
        value = s.slice(start, i);
      }
    }
    if (!into.has(name)) into.set(name, value);
  }
}

/** Writes parameters back as `;name` / `;name=value`. */
export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
