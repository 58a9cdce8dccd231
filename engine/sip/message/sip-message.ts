import { canonicalHeaderName } from './header-names.js';

export interface HeaderEntry {
  /** Canonical name (compact forms expanded, RFC case for known headers). */
  name: string;
  value: string;
}

/**
 * Ordered header list. List-valued headers (Via, Route, Contact …) are stored one element per entry,
 * so `getAll('Via')` is the Via stack top first. Lookups are case-insensitive and accept compact forms.
 */
export class SipHeaders {
  readonly entries: HeaderEntry[];

  constructor(entries: HeaderEntry[] = []) {
    this.entries = entries;
  }

  private static key(name: string): string {
    return canonicalHeaderName(name).toLowerCase();
  }

  get(name: string): string | undefined {
    const k = SipHeaders.key(name);
    for (const e of this.entries) if (e.name.toLowerCase() === k) return e.value;
    return undefined;
  }

  getAll(name: string): string[] {
    const k = SipHeaders.key(name);
    const out: string[] = [];
    for (const e of this.entries) if (e.name.toLowerCase() === k) out.push(e.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  count(name: string): number {
    return this.getAll(name).length;
  }

  /** Replaces every entry of `name` with one entry, at the position of the first (or the end). */
  set(name: string, value: string): void {
    const canonical = canonicalHeaderName(name);
    const k = canonical.toLowerCase();
    const i = this.entries.findIndex((e) => e.name.toLowerCase() === k);
    this.remove(name);
    if (i < 0 || i > this.entries.length) this.entries.push({ name: canonical, value });
    else this.entries.splice(i, 0, { name: canonical, value });
  }

  /** Appends after the last entry of the same name, or at the end. */
  append(name: string, value: string): void {
    const canonical = canonicalHeaderName(name);
    const k = canonical.toLowerCase();
    let last = -1;
    this.entries.forEach((e, idx) => {
      if (e.name.toLowerCase() === k) last = idx;
    });
    if (last < 0) this.entries.push({ name: canonical, value });
    else this.entries.splice(last + 1, 0, { name: canonical, value });
  }

  /** Inserts before the first entry of the same name (Via, Record-Route), or at the top. */
  prepend(name: string, value: string): void {
    const canonical = canonicalHeaderName(name);
    const k = canonical.toLowerCase();
    const i = this.entries.findIndex((e) => e.name.toLowerCase() === k);
    this.entries.splice(i < 0 ? 0 : i, 0, { name: canonical, value });
  }

  /** Removes and returns the first entry of `name` (popping the top Via or Route). */
  shift(name: string): string | undefined {
    const k = SipHeaders.key(name);
    const i = this.entries.findIndex((e) => e.name.toLowerCase() === k);
    if (i < 0) return undefined;
    return this.entries.splice(i, 1)[0]!.value;
  }

  remove(name: string): void {
    const k = SipHeaders.key(name);
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i]!.name.toLowerCase() === k) this.entries.splice(i, 1);
  }

  clone(): SipHeaders {
    return new SipHeaders(this.entries.map((e) => ({ name: e.name, value: e.value })));
  }
}

interface MessageBase {
  headers: SipHeaders;
  body: Buffer;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  /** Request-URI exactly as received (escapes intact). */
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export function createRequest(
  method: string,
  uri: string,
  headers: HeaderEntry[] = [],
  body: Buffer = Buffer.alloc(0),
): SipRequest {
  return { kind: 'request', method, uri, headers: new SipHeaders(headers), body };
}

export function createResponseMessage(
  status: number,
  reason: string,
  headers: HeaderEntry[] = [],
  body: Buffer = Buffer.alloc(0),
): SipResponse {
  return { kind: 'response', status, reason, headers: new SipHeaders(headers), body };
}

/**
 * Serializes to wire format. Content-Length is always rewritten from the body, so a message can never
 * be framed wrongly on a stream transport. List headers are written one entry per line.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === 'request'
      ? `${msg.method} ${msg.uri} SIP/2.0\r\n`
      : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  for (const e of msg.headers.entries) {
    // Any spelling of Content-Length ("l", "content-length") is dropped: exactly one, computed, is written.
    if ((e.name.length === 14 || e.name.length === 1) && canonicalHeaderName(e.name) === 'Content-Length')
      continue;
    head += `${e.name}: ${e.value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), msg.body]);
}

export function cloneRequest(req: SipRequest): SipRequest {
  return { kind: 'request', method: req.method, uri: req.uri, headers: req.headers.clone(), body: req.body };
}
