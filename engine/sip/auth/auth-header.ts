import { isTokenChar, isWsp } from '../message/grammar.js';

/** `Digest a=b, c="d"` (RFC 3261 §25 credentials/challenge, RFC 7616 §3.4). */
export interface AuthHeader {
  scheme: string;
  params: Map<string, string>;
}

/** Parses a credentials or challenge header value; null when it is not well-formed. */
export function parseAuthHeader(value: string): AuthHeader | null {
  let i = 0;
  const n = value.length;
  const skipWs = (): void => {
    while (i < n && isWsp(value.charCodeAt(i))) i++;
  };
  skipWs();
  const schemeStart = i;
  while (i < n && isTokenChar(value.charCodeAt(i))) i++;
  const scheme = value.slice(schemeStart, i);
  if (!scheme) return null;
  const params = new Map<string, string>();
  for (;;) {
    skipWs();
    if (i >= n) break;
    const nameStart = i;
    while (i < n && isTokenChar(value.charCodeAt(i))) i++;
    const name = value.slice(nameStart, i).toLowerCase();
    if (!name) return null;
    skipWs();
    if (value.charCodeAt(i) !== 61 /* = */) return null;
    i++;
    skipWs();
    let v: string;
    if (value.charCodeAt(i) === 34 /* " */) {
      i++;
      // A quoted value without quoted-pairs (the usual case) is one slice; escapes are resolved piecewise.
      let start = i;
      let out = '';
      let closed = false;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c === 92 /* \ */ && i + 1 < n) {
          out += value.slice(start, i) + value[i + 1];
          i += 2;
          start = i;
          continue;
        }
        if (c === 34) {
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) return null;
      v = out + value.slice(start, i);
      i++;
    } else {
      const vStart = i;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c === 44 /* , */ || isWsp(c)) break;
        i++;
      }
      v = value.slice(vStart, i);
    }
    if (params.has(name)) return null; // a repeated parameter is ambiguous
    params.set(name, v);
    skipWs();
    if (i < n) {
      if (value.charCodeAt(i) !== 44) return null;
      i++;
    }
  }
  return { scheme, params };
}

export function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}
