import {
  formatParams,
  isHost,
  isDigits,
  parseBoundedInt,
  parseParams,
  scanToken,
  skipWsp,
} from './grammar.js';

/**
 * One Via value (RFC 3261 §20.42, §25.1):
 * `sent-protocol LWS sent-by *( SEMI via-params )`, sent-protocol = name SLASH version SLASH transport.
 * `protocol` is `NAME/VERSION` upper-cased ("SIP/2.0"); `transport` is upper-cased ("UDP", "TCP", "TLS",
 * "WS", "WSS", "SCTP" or any other token). An IPv6 host keeps its brackets. Parameter names are
 * lower-cased; `rport` without a value (RFC 3581) is stored as null.
 */
export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  params: Map<string, string | null>;
}

/** RFC 3261 §8.1.1.7: a branch that starts with this cookie was built by an RFC 3261 element. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/** SLASH = SWS "/" SWS; returns the index after it or -1. */
function slash(s: string, i: number): number {
  i = skipWsp(s, i);
  if (s.charCodeAt(i) !== 47) return -1;
  return skipWsp(s, i + 1);
}

function validParams(params: Map<string, string | null>): boolean {
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || parseBoundedInt(ttl, 255) === null)) return false;
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && parseBoundedInt(rport, 65535) === null) return false;
  if (!plainValue(params.get('branch')) || !plainValue(params.get('received'))) return false;
  const maddr = params.get('maddr');
  return maddr === undefined || (maddr !== null && isHost(maddr));
}

/** Absent, or present with an unquoted value. */
function plainValue(v: string | null | undefined): boolean {
  return v === undefined || (v !== null && v.charCodeAt(0) !== 34);
}

/**
 * Parses one Via value; LWS is allowed around "/", ":", ";" and "=" (RFC 4475 wsinv). Checks the
 * sent-by host and port and the well-known parameters (ttl 0..255, rport empty or a port, branch /
 * received / maddr carrying a value). A branch equal to the bare magic cookie is syntactically fine
 * (RFC 4475 badbranch); the transaction layer decides what to make of it. Never throws.
 */
export function parseVia(s: string): Via | null {
  const n = s.length;
  let i = skipWsp(s, 0);
  let e = scanToken(s, i);
  if (e === i) return null;
  const name = s.slice(i, e);
  i = slash(s, e);
  if (i < 0) return null;
  e = scanToken(s, i);
  if (e === i) return null;
  const version = s.slice(i, e);
  i = slash(s, e);
  if (i < 0) return null;
  e = scanToken(s, i);
  if (e === i) return null;
  const transport = s.slice(i, e).toUpperCase();
  i = skipWsp(s, e);
  if (i === e || i >= n) return null; // sent-protocol LWS sent-by: the LWS is mandatory

  let host: string;
  if (s.charCodeAt(i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) return null;
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 58 || c === 59 || c === 32 || c === 9) break;
      i++;
    }
    host = s.slice(start, i);
  }
  if (!isHost(host)) return null;
  const via: Via = { protocol: `${name}/${version}`.toUpperCase(), transport, host, params: new Map() };

  const afterHost = skipWsp(s, i);
  if (afterHost < n && s.charCodeAt(afterHost) === 58 /* : */) {
    const p = skipWsp(s, afterHost + 1);
    let q = p;
    while (q < n && s.charCodeAt(q) >= 48 && s.charCodeAt(q) <= 57) q++;
    const digits = s.slice(p, q);
    if (!isDigits(digits)) return null;
    const port = parseBoundedInt(digits, 65535);
    if (port === null) return null;
    via.port = port;
    i = q;
  }
  if (!parseParams(s, i, via.params) || !validParams(via.params)) return null;
  return via;
}

/** `SIP/2.0/UDP host:port;params`. */
export function formatVia(v: Via): string {
  const port = v.port !== undefined ? `:${v.port}` : '';
  return `${v.protocol}/${v.transport} ${v.host}${port}${formatParams(v.params)}`;
}

/** The branch parameter, or undefined (RFC 2543 peers may send none). */
export function branchOf(v: Via): string | undefined {
  return v.params.get('branch') ?? undefined;
}

/** True when the branch starts with the RFC 3261 magic cookie and has something after it. */
export function hasRfc3261Branch(v: Via): boolean {
  const b = branchOf(v);
  return b !== undefined && b.length > BRANCH_MAGIC_COOKIE.length && b.startsWith(BRANCH_MAGIC_COOKIE);
}
