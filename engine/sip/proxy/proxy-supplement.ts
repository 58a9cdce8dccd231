import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';

/** What a supplement learns about the request being proxied. */
export interface ProxiedRequestContext {
  /** Where the request came from. */
  source: Flow;
  /** True for requests inside a dialog (To tag present). */
  inDialog: boolean;
}

/** Thrown by a supplement to refuse a request; the proxy answers it with this status. */
export class SupplementRejection extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`${status} ${reason}`);
    this.name = 'SupplementRejection';
  }
}

/**
 * Behaviour that hooks into proxying without editing the proxy core (after Asterisk's session
 * supplements): media anchoring, call tracking, later caller-ID rules and diversion. Hooks run in the order
 * the supplements were registered; they may rewrite the message they are given (its body, headers).
 */
export interface ProxySupplement {
  readonly name: string;
  /** Before a request is forwarded: once per request, before it forks. May throw SupplementRejection. */
  onRequest?(req: SipRequest, ctx: ProxiedRequestContext): void | Promise<void>;
  /** Before a response is forwarded back to the sender of `req` (the request as it was received). */
  onResponse?(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): void | Promise<void>;
  /** An ACK for a 2xx passing through (end to end); it may carry the SDP answer of a late offer. */
  onAck?(ack: SipRequest, ctx: ProxiedRequestContext): void | Promise<void>;
  /** The call goes somewhere other than the number dialled (voicemail after no answer …). Watch only. */
  onDiverted?(req: SipRequest, ctx: ProxiedRequestContext, diversion: Diversion): void;
  /** The proxy answered a request itself without forwarding it (404, 480, 416 …). Watch only. */
  onLocalResponse?(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): void;
}

/** Where a call went instead of the number dialled, and why (an RFC 5806 reason). */
export interface Diversion {
  service: 'voicemail';
  reason: string;
}

/** Runs the supplements' hooks in order. */
export class SupplementChain {
  constructor(private readonly supplements: readonly ProxySupplement[]) {}

  get empty(): boolean {
    return this.supplements.length === 0;
  }

  async request(req: SipRequest, ctx: ProxiedRequestContext): Promise<void> {
    for (const s of this.supplements) if (s.onRequest) await s.onRequest(req, ctx);
  }

  async response(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): Promise<void> {
    for (const s of this.supplements) if (s.onResponse) await s.onResponse(res, req, ctx);
  }

  async ack(ack: SipRequest, ctx: ProxiedRequestContext): Promise<void> {
    for (const s of this.supplements) if (s.onAck) await s.onAck(ack, ctx);
  }

  diverted(req: SipRequest, ctx: ProxiedRequestContext, diversion: Diversion): void {
    for (const s of this.supplements) s.onDiverted?.(req, ctx, diversion);
  }

  localResponse(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): void {
    for (const s of this.supplements) s.onLocalResponse?.(res, req, ctx);
  }
}
