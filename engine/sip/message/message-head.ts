import { canonicalHeaderName, LIST_HEADERS } from './header-names.js';
import { splitHeaderList } from './header-list.js';
import { isDigit, isToken, isWsp, trimWsp } from './grammar.js';
import { SipHeaders, type HeaderEntry, type SipMessage, type SipRequest } from './sip-message.js';

/**
 * Reading a message head — start line and header fields (RFC 3261 §7.1, §7.2, §7.3) — from text, shared
 * by the datagram parser and the stream framer. Validation of what was read is in message-validation.ts.
 */

/** Largest message accepted on any transport, head and body together. */
export const MAX_MESSAGE_SIZE = 65536;

export type ParseResult =
  { ok: true; message: SipMessage } | { ok: false; status: number; reason: string; request?: SipRequest };

export type ParseFailure = Extract<ParseResult, { ok: false }>;

export interface RequestLine {
  kind: 'request';
  method: string;
  /** Request-URI text as received (may be malformed when `MessageHead.error` is set). */
  uri: string;
}

export interface StatusLine {
  kind: 'response';
  status: number;
  reason: string;
}

export interface HeadError {
  status: number;
  reason: string;
}

/** What could be read of a message head, before semantic validation. */
export interface MessageHead {
  /** null when the start line is neither a request line with a valid method nor a valid status line. */
  start: RequestLine | StatusLine | null;
  /** False when the first line does not even look like SIP (a stream has lost its framing). */
  recognizable: boolean;
  /** The first problem, in answering order: start line, SIP version, header syntax. */
  error?: HeadError;
  headers: HeaderEntry[];
  /** Content-Length value; undefined when absent. */
  contentLength?: number;
  contentLengthError?: string;
}

export const BAD_REQUEST = 400;
export const TOO_LARGE = 413;
export const TOO_LARGE_REASON = 'Request Entity Too Large';

/**
 * Headers where an empty list element (`Via: a,,b`, RFC 4475 badinv01) makes the message malformed;
 * elsewhere (`Allow: INVITE,,ACK`) the empty element is dropped.
 */
const STRICT_LISTS: ReadonlySet<string> = new Set(['Via', 'Contact', 'Route', 'Record-Route']);

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT — returns 'ok' for 2.0, 'other' for another version. */
function sipVersion(v: string): 'ok' | 'other' | 'bad' {
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return 'bad';
  const dot = v.indexOf('.', 4);
  if (dot < 0) return 'bad';
  const major = v.slice(4, dot);
  const minor = v.slice(dot + 1);
  for (const part of [major, minor]) {
    if (part.length === 0 || part.length > 9) return 'bad';
    for (let i = 0; i < part.length; i++) if (!isDigit(part.charCodeAt(i))) return 'bad';
  }
  return Number(major) === 2 && Number(minor) === 0 ? 'ok' : 'other';
}

function readStartLine(raw: string, head: MessageHead): void {
  // Trailing SP after the version (RFC 4475 trws) is tolerated: we never forward the line as received.
  let end = raw.length;
  while (end > 0 && isWsp(raw.charCodeAt(end - 1))) end--;
  const line = end === raw.length ? raw : raw.slice(0, end);
  const sp = line.indexOf(' ');
  if (sp <= 0) return;
  const first = line.slice(0, sp);

  if (first.indexOf('/') >= 0) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    head.recognizable = first.slice(0, 4).toUpperCase() === 'SIP/';
    if (sipVersion(first) !== 'ok') return;
    const code = line.slice(sp + 1, sp + 4);
    if (
      code.length !== 3 ||
      !isDigit(code.charCodeAt(0)) ||
      !isDigit(code.charCodeAt(1)) ||
      !isDigit(code.charCodeAt(2))
    )
      return;
    if (line.length > sp + 4 && line.charCodeAt(sp + 4) !== 32) return; // "4294967301" (RFC 4475 bigcode)
    const status = Number(code);
    if (status < 100 || status > 699) return;
    head.start = { kind: 'response', status, reason: line.slice(sp + 5) };
    return;
  }

  // Request-Line = Method SP Request-URI SP SIP-Version CRLF. Runs of SP between the elements
  // (RFC 4475 lwsstart) are tolerated; SP inside the Request-URI is not (lwsruri). A line that does
  // not end in "SIP/…" is not SIP at all (an HTTP request on the SIP port) and is not answered.
  if (!isToken(first)) return;
  let i = sp;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  const last = line.lastIndexOf(' ');
  if (last < i || line.slice(last + 1, last + 5).toUpperCase() !== 'SIP/') return;
  head.recognizable = true;
  let uriEnd = last;
  while (uriEnd > i && line.charCodeAt(uriEnd - 1) === 32) uriEnd--;
  const uri = line.slice(i, uriEnd);
  head.start = { kind: 'request', method: first, uri };
  if (uri.indexOf(' ') >= 0 || uri.indexOf('\t') >= 0) {
    head.error = { status: BAD_REQUEST, reason: 'Bad Request - Malformed Request-Line' };
    return;
  }
  const version = sipVersion(line.slice(last + 1));
  if (version === 'bad') head.error = { status: BAD_REQUEST, reason: 'Bad Request - Malformed SIP-Version' };
  else if (version === 'other') head.error = { status: 505, reason: 'Version Not Supported' };
}

/**
 * Reads the start line and header fields from the head text (everything before the empty line).
 * Lines end in CRLF or bare LF; a line starting with SP/HTAB continues the previous field and the fold
 * becomes one SP (§7.3.1). Names are stored canonical (compact forms expanded); list headers are split
 * into one entry per element. Reading goes on past a bad line so that an error response can still be
 * built from Via, From, To, Call-ID and CSeq.
 */
export function readHead(text: string): MessageHead {
  const head: MessageHead = { start: null, recognizable: false, headers: [] };
  const n = text.length;
  let lf = text.indexOf('\n');
  if (lf < 0) lf = n;
  const firstLine = text.charCodeAt(lf - 1) === 13 ? text.slice(0, lf - 1) : text.slice(0, lf);
  if (firstLine.indexOf('\r') >= 0) return head;
  readStartLine(firstLine, head);
  if (head.start === null) return head;

  let name = '';
  let value = '';
  // Continuation lines are collected and joined once, so a field folded over thousands of lines stays
  // linear to read.
  let folds: string[] | null = null;
  let open = false;
  let headerError: string | undefined;
  const flush = (): void => {
    if (open) {
      if (folds !== null) {
        const first = trimWsp(value);
        value = first ? `${first} ${folds.join(' ')}` : folds.join(' ');
        folds = null;
      }
      const err = addHeader(head, name, value);
      if (err !== undefined && headerError === undefined) headerError = err;
      open = false;
    }
  };

  let i = lf + 1;
  while (i < n) {
    let j = text.indexOf('\n', i);
    if (j < 0) j = n;
    const lineEnd = j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j;
    const line = text.slice(i, lineEnd);
    i = j + 1;
    if (line.length === 0) break;
    if (line.indexOf('\r') >= 0) {
      flush();
      headerError ??= 'Bad Request - Bare CR in Header';
      continue;
    }
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) {
      if (!open) {
        headerError ??= 'Bad Request - Malformed Header Line';
        continue;
      }
      const cont = trimWsp(line);
      if (cont) (folds ??= []).push(cont);
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon < 0) {
      headerError ??= 'Bad Request - Malformed Header Line';
      continue;
    }
    let ne = colon;
    while (ne > 0 && isWsp(line.charCodeAt(ne - 1))) ne--;
    const rawName = line.slice(0, ne);
    if (!isToken(rawName)) {
      headerError ??= 'Bad Request - Malformed Header Name';
      continue;
    }
    name = rawName;
    value = line.slice(colon + 1);
    open = true;
  }
  flush();
  if (headerError !== undefined && head.error === undefined)
    head.error = { status: BAD_REQUEST, reason: headerError };
  return head;
}

/** Stores one header field; returns a reason phrase when the field is malformed. */
function addHeader(head: MessageHead, rawName: string, rawValue: string): string | undefined {
  const name = canonicalHeaderName(rawName);
  const value = trimWsp(rawValue);
  if (name === 'Content-Length') {
    const cl = contentLengthValue(value);
    if (cl === null) head.contentLengthError ??= 'Bad Request - Invalid Content-Length';
    else if (head.contentLength !== undefined && head.contentLength !== cl)
      head.contentLengthError ??= 'Bad Request - Conflicting Content-Length';
    else head.contentLength = cl;
    head.headers.push({ name, value });
    return undefined;
  }
  if (!LIST_HEADERS.has(name) || value.length === 0) {
    head.headers.push({ name, value });
    return undefined;
  }
  if (value.indexOf(',') < 0) {
    head.headers.push({ name, value });
    return undefined;
  }
  let err: string | undefined;
  for (const element of splitHeaderList(value)) {
    if (element.length > 0) head.headers.push({ name, value: element });
    else if (STRICT_LISTS.has(name)) err ??= `Bad Request - Invalid ${name}`;
  }
  return err;
}

/** Content-Length = 1*DIGIT; anything else (negative, signed, hex, empty) is null. Huge values are kept huge. */
function contentLengthValue(v: string): number | null {
  if (v.length === 0) return null;
  for (let i = 0; i < v.length; i++) if (!isDigit(v.charCodeAt(i))) return null;
  let i = 0;
  while (i < v.length - 1 && v.charCodeAt(i) === 48) i++;
  return v.length - i > 15 ? Number.MAX_SAFE_INTEGER : Number(v.slice(i));
}

/** The request to build an error response from, when the start line was a request line. */
export function requestOf(head: MessageHead, body: Buffer): SipRequest | undefined {
  const s = head.start;
  if (s === null || s.kind !== 'request') return undefined;
  return { kind: 'request', method: s.method, uri: s.uri, headers: new SipHeaders(head.headers, true), body };
}

export function failure(
  head: MessageHead | null,
  status: number,
  reason: string,
  body: Buffer,
): ParseFailure {
  const request = head ? requestOf(head, body) : undefined;
  return request ? { ok: false, status, reason, request } : { ok: false, status, reason };
}

/** Failures found while reading the head (start line, version, header syntax, Content-Length syntax). */
export function headFailure(head: MessageHead, body: Buffer): ParseFailure | null {
  if (head.start === null) return failure(null, BAD_REQUEST, 'Bad Request - Malformed Start-Line', body);
  if (head.error) return failure(head, head.error.status, head.error.reason, body);
  if (head.contentLengthError) return failure(head, BAD_REQUEST, head.contentLengthError, body);
  return null;
}

const CR = 13;
const LF = 10;

/**
 * Finds the empty line that ends the head in buf[from, to). Returns the index just past the last
 * header line's LF (the empty line starts there), -1 when there is none, or -2 when the bytes at `to`
 * might complete it (a stream must wait for more).
 */
export function findHeadEnd(buf: Buffer, from: number, to: number): number {
  if (to < buf.length) buf = buf.subarray(0, to);
  let i = buf.indexOf(LF, from);
  while (i >= 0 && i < to) {
    const next = i + 1;
    if (next >= to) return -2;
    const b = buf[next];
    if (b === LF) return next;
    if (b === CR) {
      if (next + 1 >= to) return -2;
      if (buf[next + 1] === LF) return next;
    }
    i = buf.indexOf(LF, next);
  }
  return -1;
}

/** Where the body starts, given the result of findHeadEnd (skips the empty line's CRLF or LF). */
export function bodyStartAfter(buf: Buffer, headEnd: number): number {
  return buf[headEnd] === CR ? headEnd + 2 : headEnd + 1;
}

export function isLineBreak(b: number | undefined): boolean {
  return b === CR || b === LF;
}
