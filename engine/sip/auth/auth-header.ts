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
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  skipWs();
  const schemeStart = i;
  while (i < n && /[A-Za-z0-9!%'*+\-._`~]/.test(value[i]!)) i++;
  const scheme = value.slice(schemeStart, i);
  if (!scheme) return null;
  const params = new Map<string, string>();
  for (;;) {
    skipWs();
    if (i >= n) break;
    const nameStart = i;
    while (i < n && /[A-Za-z0-9!%'*+\-._`~]/.test(value[i]!)) i++;
    const name = value.slice(nameStart, i).toLowerCase();
    if (!name) return null;
    skipWs();
    if (value[i] !== '=') return null;
    i++;
    skipWs();
    let v = '';
    if (value[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = value[i]!;
        if (c === '\\' && i + 1 < n) {
          v += value[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        v += c;
        i++;
      }
      if (!closed) return null;
    } else {
      const vStart = i;
      while (i < n && value[i] !== ',' && value[i] !== ' ' && value[i] !== '\t') i++;
      v = value.slice(vStart, i);
    }
    if (params.has(name)) return null; // a repeated parameter is ambiguous
    params.set(name, v);
    skipWs();
    if (i < n) {
      if (value[i] !== ',') return null;
      i++;
    }
  }
  return { scheme, params };
}

export function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}
