import type { SipMessage } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import { flowSource } from '../transport/flow.js';

/** One SIP message of a call as the console's ladder diagram draws it. */
export interface TracedMessage {
  /** Milliseconds since the epoch. */
  time: number;
  /** 'in': the PBX received it from `peer`; 'out': the PBX sent it to `peer`. */
  direction: 'in' | 'out';
  /** `address:port` of the other end. */
  peer: string;
  transport: string;
  /** `INVITE sip:201@…` or `200 OK`. */
  summary: string;
  /** The whole message as it crossed the wire (cut at 16 KiB). */
  text: string;
}

export interface CallTraceOptions {
  /** How many recent calls keep their messages (500 by default; 0 switches tracing off). */
  calls?: number;
  /** Messages kept per call (200 by default; the first ones, which explain how a call was set up). */
  messagesPerCall?: number;
}

const MAX_TEXT = 16 * 1024;

/** Requests that never belong to a call: skipped without looking at any header. */
const NOT_CALL_METHODS: ReadonlySet<string> = new Set([
  'REGISTER',
  'OPTIONS',
  'SUBSCRIBE',
  'PUBLISH',
  'MESSAGE',
]);

/**
 * Keeps the SIP messages of recent calls (an INVITE starts a trace; everything with its Call-ID follows)
 * for the console's ladder diagram. Bounded in calls and messages per call; REGISTER and OPTIONS traffic
 * costs one set lookup, so the registrar's hot path stays as it was.
 */
export class CallTraceStore {
  private readonly traces = new Map<string, TracedMessage[]>();
  private readonly maxCalls: number;
  private readonly maxMessages: number;

  constructor(options: CallTraceOptions = {}) {
    this.maxCalls = options.calls ?? 500;
    this.maxMessages = options.messagesPerCall ?? 200;
  }

  get enabled(): boolean {
    return this.maxCalls > 0;
  }

  /** The transport layer's tap: every message in and out. */
  message(direction: 'in' | 'out', msg: SipMessage, data: Buffer, flow: Flow): void {
    if (this.maxCalls === 0) return;
    let starts = false;
    if (msg.kind === 'request') {
      if (NOT_CALL_METHODS.has(msg.method)) return;
      starts = msg.method === 'INVITE';
    } else {
      const cseq = msg.headers.get('CSeq');
      if (cseq === undefined || cseq.endsWith('REGISTER') || cseq.endsWith('OPTIONS')) return;
    }
    const callId = msg.headers.get('Call-ID');
    if (callId === undefined) return;
    let list = this.traces.get(callId);
    if (!list) {
      if (!starts) return;
      list = [];
      this.traces.set(callId, list);
      if (this.traces.size > this.maxCalls) {
        const oldest = this.traces.keys().next().value;
        if (oldest !== undefined) this.traces.delete(oldest);
      }
    }
    if (list.length >= this.maxMessages) return;
    const text = data.length > MAX_TEXT ? data.subarray(0, MAX_TEXT).toString('utf8') : data.toString('utf8');
    list.push({
      time: Date.now(),
      direction,
      peer: flowSource(flow),
      transport: flow.transport,
      summary: msg.kind === 'request' ? `${msg.method} ${msg.uri}` : `${msg.status} ${msg.reason}`,
      text,
    });
  }

  /** The messages of a call, oldest first; undefined when the call is not (or no longer) kept. */
  get(callId: string): readonly TracedMessage[] | undefined {
    return this.traces.get(callId);
  }

  get size(): number {
    return this.traces.size;
  }
}
