import { parseCSeq, type CSeq } from './cseq.js';
import { canonicalHeaderName, isCanonicalKnownName } from './header-names.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { parseVia, type Via } from './via.js';

export interface HeaderEntry {
  /** Canonical name (compact forms expanded, RFC case for known headers). */
  name: string;
  value: string;
}

/**
 * Ordered header list. List-valued headers (Via, Route, Contact …) are stored one element per entry,
 * so `getAll('Via')` is the Via stack top first. Lookups are case-insensitive and accept compact forms.
 *
 * Known header names are kept in their canonical spelling (the constructor fixes any other), so a lookup
 * of a known header compares names as they are instead of lower-casing every entry.
 *
 * The headers every request path reads — top Via, From, To, CSeq — are parsed at most once per text: the
 * parsed form is kept with the text it came from and used while that header's text is unchanged (a
 * changed or replaced header is parsed afresh). Parsed forms are shared: treat them as read-only.
 */
export class SipHeaders {
  readonly entries: HeaderEntry[];
  private viaText: string | undefined = undefined;
  private viaParsed: Via | null = null;
  private fromText: string | undefined = undefined;
  private fromParsed: NameAddr | null = null;
  private toText: string | undefined = undefined;
  private toParsed: NameAddr | null = null;
  private cseqText: string | undefined = undefined;
  private cseqParsed: CSeq | null = null;

  /** `canonical`: the caller guarantees every known name is already spelled canonically (the parser). */
  constructor(entries: HeaderEntry[] = [], canonical = false) {
    this.entries = entries;
    if (!canonical)
      for (const e of entries) if (!isCanonicalKnownName(e.name)) e.name = canonicalHeaderName(e.name);
  }

  get(name: string): string | undefined {
    const c = canonicalHeaderName(name);
    const entries = this.entries;
    if (isCanonicalKnownName(c)) {
      for (let i = 0; i < entries.length; i++) if (entries[i]!.name === c) return entries[i]!.value;
      return undefined;
    }
    const k = c.toLowerCase();
    for (const e of entries) if (e.name.toLowerCase() === k) return e.value;
    return undefined;
  }

  getAll(name: string): string[] {
    const c = canonicalHeaderName(name);
    const out: string[] = [];
    if (isCanonicalKnownName(c)) {
      for (const e of this.entries) if (e.name === c) out.push(e.value);
      return out;
    }
    const k = c.toLowerCase();
    for (const e of this.entries) if (e.name.toLowerCase() === k) out.push(e.value);
    return out;
  }

  private indexOf(name: string): number {
    const c = canonicalHeaderName(name);
    if (isCanonicalKnownName(c)) return this.entries.findIndex((e) => e.name === c);
    const k = c.toLowerCase();
    return this.entries.findIndex((e) => e.name.toLowerCase() === k);
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
    const i = this.indexOf(canonical);
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
      if (e.name === canonical || e.name.toLowerCase() === k) last = idx;
    });
    if (last < 0) this.entries.push({ name: canonical, value });
    else this.entries.splice(last + 1, 0, { name: canonical, value });
  }

  /** Inserts before the first entry of the same name (Via, Record-Route), or at the top. */
  prepend(name: string, value: string): void {
    const canonical = canonicalHeaderName(name);
    const i = this.indexOf(canonical);
    this.entries.splice(i < 0 ? 0 : i, 0, { name: canonical, value });
  }

  /** Removes and returns the first entry of `name` (popping the top Via or Route). */
  shift(name: string): string | undefined {
    const i = this.indexOf(name);
    if (i < 0) return undefined;
    return this.entries.splice(i, 1)[0]!.value;
  }

  remove(name: string): void {
    const c = canonicalHeaderName(name);
    const known = isCanonicalKnownName(c);
    const k = c.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const n = this.entries[i]!.name;
      if (known ? n === c : n.toLowerCase() === k) this.entries.splice(i, 1);
    }
  }

  clone(): SipHeaders {
    const copy = new SipHeaders(
      this.entries.map((e) => ({ name: e.name, value: e.value })),
      true,
    );
    copy.adoptParsed(this);
    return copy;
  }

  /** The top Via, parsed (null when there is none or it does not parse). */
  topVia(): Via | null {
    const text = this.get('Via');
    if (text === undefined) return null;
    if (text !== this.viaText) {
      this.viaText = text;
      this.viaParsed = parseVia(text);
    }
    return this.viaParsed;
  }

  /** Replaces the top Via's text with `text`, whose parsed form is `via` (the transport's received/rport stamp). */
  replaceTopVia(text: string, via: Via): void {
    const entry = this.entries.find((e) => e.name === 'Via');
    if (!entry) return;
    entry.value = text;
    this.viaText = text;
    this.viaParsed = via;
  }

  /** The From header, parsed (null when absent or malformed). */
  from(): NameAddr | null {
    const text = this.get('From');
    if (text === undefined) return null;
    if (text !== this.fromText) {
      this.fromText = text;
      this.fromParsed = parseNameAddr(text);
    }
    return this.fromParsed;
  }

  /** The To header, parsed (null when absent or malformed). */
  to(): NameAddr | null {
    const text = this.get('To');
    if (text === undefined) return null;
    if (text !== this.toText) {
      this.toText = text;
      this.toParsed = parseNameAddr(text);
    }
    return this.toParsed;
  }

  /** The CSeq header, parsed (null when absent or malformed). */
  cseq(): CSeq | null {
    const text = this.get('CSeq');
    if (text === undefined) return null;
    if (text !== this.cseqText) {
      this.cseqText = text;
      this.cseqParsed = parseCSeq(text);
    }
    return this.cseqParsed;
  }

  /** Forgets the parsed forms (a message kept only to be sent again needs none of them). */
  forgetParsed(): void {
    this.viaText = this.fromText = this.toText = this.cseqText = undefined;
    this.viaParsed = this.cseqParsed = null;
    this.fromParsed = this.toParsed = null;
  }

  /** Takes over parsed forms from another header list (a response built from a request shares its texts). */
  adoptParsed(other: SipHeaders): void {
    this.viaText = other.viaText;
    this.viaParsed = other.viaParsed;
    this.fromText = other.fromText;
    this.fromParsed = other.fromParsed;
    this.toText = other.toText;
    this.toParsed = other.toParsed;
    this.cseqText = other.cseqText;
    this.cseqParsed = other.cseqParsed;
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
