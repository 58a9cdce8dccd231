import type { Logger } from '../../log/index.js';
import { RelayError, type CallMediaStats, type RelayDriver } from '../../media/relay-driver.js';
import { tagOf } from '../message/name-addr.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/sip-message.js';
import {
  SupplementRejection,
  type ProxiedRequestContext,
  type ProxySupplement,
} from '../proxy/proxy-supplement.js';

type Side = 'caller' | 'callee';

/** One side's session description as it sent it (before rewriting). */
interface Description {
  sdp: string;
  from: Side;
  signallingAddress: string;
}

interface AnchoredCall {
  callerTag: string;
  calleeTag: string | undefined;
  /** The offer in flight (a request's, or a late offer in a response), as sent. */
  pendingOffer: Description | undefined;
  /** The last offer/answer exchange that completed: what to go back to when a re-offer is refused. */
  agreed: { offer: Description; answer: Description } | undefined;
}

/**
 * Anchors the media of every call in the relay (a proxy supplement): each SDP offer and answer passing
 * through — INVITE / 18x / 200, late offers in 200 with the answer in ACK, re-INVITE and UPDATE from
 * either end — is handed to the relay driver and replaced by the rewritten description. Media is released
 * when the call fails, is cancelled or hangs up.
 */
export class MediaAnchor implements ProxySupplement {
  readonly name = 'media-anchor';
  private readonly calls = new Map<string, AnchoredCall>();
  /** Final statistics of released calls, kept briefly for the call record that is written after. */
  private readonly released = new Map<string, CallMediaStats | undefined>();

  constructor(
    private readonly driver: RelayDriver,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  async onRequest(req: SipRequest, ctx: ProxiedRequestContext): Promise<void> {
    const callId = req.headers.get('Call-ID') ?? '';
    if (req.method === 'BYE') {
      await this.release(callId);
      return;
    }
    if (req.method !== 'INVITE' && req.method !== 'UPDATE') return;
    let call = this.calls.get(callId);
    const fromTag = tagOf(req.headers.get('From') ?? '') ?? '';
    if (!call) {
      if (ctx.inDialog) return; // a dialog we did not anchor (started before a restart): leave it alone
      call = { callerTag: fromTag, calleeTag: undefined, pendingOffer: undefined, agreed: undefined };
      this.calls.set(callId, call);
    }
    const sdp = sdpOf(req);
    if (sdp === undefined) return; // a late offer: it will come in the response
    const from = fromTag === call.callerTag ? 'caller' : 'callee';
    call.pendingOffer = { sdp, from, signallingAddress: ctx.source.remoteAddress };
    try {
      const rewritten = await this.driver.offer({
        callId,
        fromTag: call.callerTag,
        toTag: call.calleeTag,
        sdp,
        from,
        signallingAddress: ctx.source.remoteAddress,
      });
      setBody(req, rewritten);
    } catch (err) {
      if (!ctx.inDialog) this.calls.delete(callId);
      if (err instanceof RelayError) {
        this.log.warn('media relay refused the offer', { callId, reason: err.message });
        throw new SupplementRejection(
          err.sipStatus,
          err.sipStatus === 503 ? 'Service Unavailable - No Media Ports' : 'Not Acceptable Here',
        );
      }
      throw err;
    }
  }

  async onResponse(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): Promise<void> {
    const callId = req.headers.get('Call-ID') ?? '';
    const call = this.calls.get(callId);
    if (!call) return;
    if (req.method === 'INVITE' && !ctx.inDialog && res.status >= 300) {
      // The call attempt failed or was cancelled: nothing will flow.
      if (res.status !== 401 && res.status !== 407) await this.release(callId);
      return;
    }
    if ((req.method === 'INVITE' || req.method === 'UPDATE') && ctx.inDialog && res.status >= 300) {
      // RFC 3264 §8: a refused re-offer leaves the session as it was. The relay applied the offer when it
      // passed; put the last agreed exchange back (the same ports are kept).
      if (sdpOf(req) !== undefined) await this.restore(callId, call);
      return;
    }
    if ((req.method !== 'INVITE' && req.method !== 'UPDATE') || res.status < 101 || res.status >= 300) return;
    const sdp = sdpOf(res);
    if (sdp === undefined) return;
    const toTag = tagOf(res.headers.get('To') ?? '');
    if (!toTag) return;
    if (!ctx.inDialog) call.calleeTag = toTag;
    const requesterIsCaller = (tagOf(req.headers.get('From') ?? '') ?? '') === call.callerTag;
    const responder = requesterIsCaller ? 'callee' : 'caller';
    const key = {
      callId,
      fromTag: call.callerTag,
      toTag: call.calleeTag ?? toTag,
      signallingAddress: ctx.source.remoteAddress,
    };
    // The request carried an offer: this is the answer. Otherwise (late offer) the response is the offer.
    const description = { sdp, from: responder, signallingAddress: ctx.source.remoteAddress } as const;
    let rewritten: string;
    if (sdpOf(req) !== undefined) {
      rewritten = await this.driver.answer({ ...key, sdp, from: responder, provisional: res.status < 200 });
      if (res.status >= 200 && call.pendingOffer)
        call.agreed = { offer: call.pendingOffer, answer: description };
    } else {
      rewritten = await this.driver.offer({ ...key, sdp, from: responder });
      call.pendingOffer = description;
    }
    setBody(res, rewritten);
  }

  /** Re-applies the last agreed offer and answer, undoing a re-offer that was refused. */
  private async restore(callId: string, call: AnchoredCall): Promise<void> {
    const agreed = call.agreed;
    call.pendingOffer = undefined;
    if (!agreed || !call.calleeTag) return;
    const key = { callId, fromTag: call.callerTag, toTag: call.calleeTag };
    try {
      await this.driver.offer({ ...key, ...agreed.offer });
      await this.driver.answer({ ...key, ...agreed.answer, toTag: call.calleeTag });
    } catch (err) {
      this.log.warn('could not restore the media of a call after a refused re-offer', { callId, err });
    }
  }

  async onAck(ack: SipRequest, ctx: ProxiedRequestContext): Promise<void> {
    const callId = ack.headers.get('Call-ID') ?? '';
    const call = this.calls.get(callId);
    const sdp = sdpOf(ack);
    if (!call || sdp === undefined || !call.calleeTag) return;
    // The answer to a late offer (RFC 3264 over RFC 3261 §13.2.1): in the ACK, from the caller.
    const from = (tagOf(ack.headers.get('From') ?? '') ?? '') === call.callerTag ? 'caller' : 'callee';
    const rewritten = await this.driver.answer({
      callId,
      fromTag: call.callerTag,
      toTag: call.calleeTag,
      sdp,
      from,
      signallingAddress: ctx.source.remoteAddress,
    });
    if (call.pendingOffer)
      call.agreed = {
        offer: call.pendingOffer,
        answer: { sdp, from, signallingAddress: ctx.source.remoteAddress },
      };
    setBody(ack, rewritten);
  }

  /**
   * Releases a call's media (hang-up, failure, media timeout) and returns its final statistics. Safe to
   * call more than once: a call already released returns the statistics it ended with.
   */
  async release(callId: string): Promise<CallMediaStats | undefined> {
    const call = this.calls.get(callId);
    if (!call) return this.released.get(callId);
    this.calls.delete(callId);
    let stats: CallMediaStats | undefined;
    try {
      stats = await this.driver.delete({ callId, fromTag: call.callerTag, toTag: call.calleeTag });
    } catch (err) {
      this.log.warn('media release failed', { callId, err });
    }
    this.released.set(callId, stats);
    setTimeout(() => this.released.delete(callId), 60_000).unref();
    return stats;
  }

  /** Live statistics of an anchored call. */
  async stats(callId: string): Promise<CallMediaStats | undefined> {
    if (!this.calls.has(callId)) return this.released.get(callId);
    return this.driver.query(callId).catch(() => undefined);
  }
}

function sdpOf(m: SipMessage): string | undefined {
  if (m.body.length === 0) return undefined;
  const type = (m.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/sdp' ? m.body.toString('utf8') : undefined;
}

function setBody(m: SipMessage, sdp: string): void {
  m.body = Buffer.from(sdp, 'utf8');
}
