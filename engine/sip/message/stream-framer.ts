import {
  BAD_REQUEST,
  bodyStartAfter,
  failure,
  findHeadEnd,
  headFailure,
  MAX_MESSAGE_SIZE,
  readHead,
  TOO_LARGE,
  TOO_LARGE_REASON,
  type MessageHead,
  type ParseResult,
} from './message-head.js';
import { finishMessage } from './message-validation.js';

export interface StreamFramerOptions {
  /** Called for each RFC 5626 double-CRLF ping; the transport answers with one CRLF (§4.4.1). */
  onPing?: () => void;
}

const EMPTY = Buffer.alloc(0);
const CR = 13;
const LF = 10;
/** Buffers larger than this are released once the connection has nothing pending. */
const KEEP_CAPACITY = 16 * 1024;

interface PendingBody {
  head: MessageHead;
  /** Offset of the body from `start`. */
  bodyOffset: number;
  length: number;
}

/**
 * Cuts a byte stream (TCP, TLS) into SIP messages (RFC 3261 §18.3): the head ends at the first empty
 * line, the body is Content-Length octets (mandatory on streams; a missing one is taken as 0). Handles
 * any split of the input — byte by byte, or several messages in one chunk. CRLFs between messages are
 * skipped; a double CRLF is a keep-alive ping (RFC 5626 §3.5.1) counted in `pongNeeded` and reported
 * through `onPing`.
 *
 * When framing is lost — a head over MAX_MESSAGE_SIZE without its empty line, a missing, negative,
 * non-numeric or conflicting Content-Length, a message over MAX_MESSAGE_SIZE, or a first line that is
 * not SIP at all — the failing result (400 or 413) is returned, `broken` becomes true, every later byte
 * is ignored, and the transport should close the connection. A message that is framed correctly but
 * invalid (say, no Call-ID) is returned as a failure and the stream goes on.
 */
export class StreamFramer {
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** Where to resume looking for the empty line, relative to `start`. */
  private scanOffset = 0;
  private pending: PendingBody | null = null;
  private isBroken = false;
  /**
   * Double-CRLF pings seen and not yet answered. The transport writes that many CRLFs and sets it back
   * to 0 (or calls `takePongs()`).
   */
  pongNeeded = 0;
  private readonly onPing: (() => void) | undefined;

  constructor(options: StreamFramerOptions = {}) {
    this.onPing = options.onPing;
  }

  /** True once framing was lost; the connection should be closed. */
  get broken(): boolean {
    return this.isBroken;
  }

  /** Returns the number of pongs owed and resets it. */
  takePongs(): number {
    const n = this.pongNeeded;
    this.pongNeeded = 0;
    return n;
  }

  /** Octets held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): ParseResult[] {
    const out: ParseResult[] = [];
    if (this.isBroken || chunk.length === 0) return out;
    this.append(chunk);
    while (!this.isBroken && this.step(out));
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      if (this.buf.length > KEEP_CAPACITY) this.buf = EMPTY;
    }
    return out;
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + chunk.length <= this.buf.length) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(4096, this.buf.length * 2, live + chunk.length));
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      }
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private fail(out: ParseResult[], result: ParseResult): false {
    out.push(result);
    this.isBroken = true;
    this.pending = null;
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    return false;
  }

  /** Skips CRLFs between messages; returns false when more octets are needed to decide. */
  private skipKeepAlives(): boolean {
    const buf = this.buf;
    while (this.start < this.end) {
      const s = this.start;
      const avail = this.end - s;
      const b = buf[s];
      if (b === LF) {
        this.start++;
        continue;
      }
      if (b !== CR) return true;
      if (avail < 2) return false;
      if (buf[s + 1] !== LF) {
        this.start++;
        continue;
      }
      if (avail < 3) return false;
      if (buf[s + 2] !== CR) {
        this.start += 2;
        continue;
      }
      if (avail < 4) return false;
      if (buf[s + 3] === LF) {
        this.start += 4;
        this.pongNeeded++;
        this.onPing?.();
      } else this.start += 2;
    }
    return false;
  }

  /** Makes one step of progress; returns false when more input is needed (or the stream broke). */
  private step(out: ParseResult[]): boolean {
    if (this.pending === null) {
      if (!this.skipKeepAlives()) return false;
      const start = this.start;
      const headEnd = findHeadEnd(this.buf, start + this.scanOffset, this.end);
      if (headEnd < 0) {
        if (this.end - start > MAX_MESSAGE_SIZE)
          return this.fail(out, failure(null, TOO_LARGE, TOO_LARGE_REASON, EMPTY));
        this.scanOffset = Math.max(0, this.end - start - 2);
        return false;
      }
      this.scanOffset = 0;
      if (headEnd - start > MAX_MESSAGE_SIZE)
        return this.fail(out, failure(null, TOO_LARGE, TOO_LARGE_REASON, EMPTY));
      const bodyStart = bodyStartAfter(this.buf, headEnd);
      const head = readHead(this.buf.toString('utf8', start, headEnd));
      if (head.start === null && !head.recognizable)
        return this.fail(out, failure(null, BAD_REQUEST, 'Bad Request - Malformed Start-Line', EMPTY));
      if (head.contentLengthError !== undefined)
        return this.fail(out, failure(head, BAD_REQUEST, head.contentLengthError, EMPTY));
      const length = head.contentLength ?? 0;
      if (bodyStart - start + length > MAX_MESSAGE_SIZE)
        return this.fail(out, failure(head, TOO_LARGE, TOO_LARGE_REASON, EMPTY));
      this.pending = { head, bodyOffset: bodyStart - start, length };
    }
    const p = this.pending;
    if (this.end - this.start < p.bodyOffset + p.length) return false;
    const from = this.start + p.bodyOffset;
    // Copied: the buffer is reused for the next messages.
    const body = p.length === 0 ? EMPTY : Buffer.from(this.buf.subarray(from, from + p.length));
    this.start = from + p.length;
    this.pending = null;
    out.push(headFailure(p.head, body) ?? finishMessage(p.head, body));
    return true;
  }
}
