/**
 * Splits a header value into its comma-separated elements (RFC 3261 §7.3.1), at top-level commas
 * only: a comma inside a quoted-string (with backslash quoted-pairs) or inside "<" … ">" belongs to the
 * element. Elements are trimmed of SP/HTAB; empty elements are returned as '' so the caller can decide.
 * Linear, no regular expressions.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  const n = value.length;
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34) inQuote = false;
    } else if (inAngle) {
      if (c === 62 /* > */) inAngle = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60 /* < */) inAngle = true;
    else if (c === 44 /* , */) {
      out.push(trim(value, start, i));
      start = i + 1;
    }
  }
  out.push(trim(value, start, n));
  return out;
}

function trim(s: string, a: number, b: number): string {
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return s.slice(a, b);
}
