import type { Logger } from '../../log/index.js';
import { makeResponse } from '../core/make-response.js';
import {
  createRequest,
  createResponseMessage,
  type SipRequest,
  type SipResponse,
} from '../message/sip-message.js';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/client-transaction.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import { TIMER_C } from '../transaction/timers.js';
import type { Flow } from '../transport/flow.js';
import { pickBest } from './best-response.js';

interface Branch {
  tx: ClientTransaction;
  request: SipRequest;
  flow: Flow;
  provisional: boolean;
  final: SipResponse | undefined;
  cancelPending: boolean;
  cancelled: boolean;
  /**
   * Given up on by the ring timer before it sent anything we could CANCEL: it no longer holds the
   * response back (a dead phone would otherwise keep the caller waiting for Timer B, 32 s).
   */
  abandoned: boolean;
  timerC: NodeJS.Timeout | undefined;
}

/** Why every branch failed, as the diversion hook sees it. */
export interface Exhausted {
  /** The best final response (§16.7 step 6), before any mapping; undefined if there was none. */
  best: SipResponse | undefined;
  /** The ring timer ended the search: nobody answered in time. */
  ringTimedOut: boolean;
  /** Whether any branch rang (sent a provisional response other than 100). */
  rang: boolean;
}

/**
 * The response context of one proxied request (RFC 3261 §16.7): its client branches, the responses they
 * brought, and the rules for what goes back to the caller. Forking: the first 2xx wins and the other
 * branches are CANCELed; with no 2xx the best final response is sent once every branch has finished.
 */
export class ResponseContext implements ClientTransactionUser {
  private readonly branches = new Map<ClientTransaction, Branch>();
  private finals: SipResponse[] = [];
  private answered = false;
  private cancelled = false;
  private sentFinal = false;
  private ringTimer: NodeJS.Timeout | undefined;
  private ringTimedOut = false;
  private rang = false;
  private diverted = false;
  /**
   * Runs once, when every branch failed and the caller did not cancel: the place to try somewhere else
   * (serial forking to voicemail). It returns true after adding new branches; the search then goes on
   * and the failures so far are forgotten. Otherwise the best response goes back as usual.
   */
  onExhausted: ((why: Exhausted) => boolean) | undefined;
  onFinished: ((final: SipResponse | undefined) => void) | undefined;
  /**
   * Runs before each response goes back to the caller (the proxy's supplements: media anchoring, call
   * tracking). Responses stay in order: each waits for the one before it.
   */
  onForward: ((res: SipResponse) => Promise<void>) | undefined;
  private forwarding: Promise<void> = Promise.resolve();

  constructor(
    readonly server: ServerTransaction,
    private readonly transactions: TransactionLayer,
    private readonly log: Logger,
  ) {}

  get isInvite(): boolean {
    return this.server.request.method === 'INVITE';
  }

  addBranch(request: SipRequest, flow: Flow): void {
    const tx = this.transactions.sendRequest(request, flow, this);
    this.branches.set(tx, {
      tx,
      request,
      flow,
      provisional: false,
      final: undefined,
      cancelPending: false,
      cancelled: false,
      abandoned: false,
      timerC: undefined,
    });
  }

  /**
   * The ring time: when nobody has answered after `ms`, every branch is cancelled (Reason: no answer)
   * and, with every branch done, onExhausted hears `ringTimedOut`.
   */
  startRingTimer(ms: number): void {
    this.stopRingTimer();
    this.ringTimer = setTimeout(() => {
      this.ringTimer = undefined;
      if (this.answered || this.cancelled || this.sentFinal || this.diverted) return;
      this.ringTimedOut = true;
      for (const b of this.branches.values()) {
        if (b.final || b.cancelled) continue;
        if (b.provisional) this.sendCancel(b, 'SIP;cause=480;text="No answer"');
        else {
          b.cancelPending = true;
          b.abandoned = true;
        }
      }
      this.checkDone();
    }, ms);
    this.ringTimer.unref?.();
  }

  private stopRingTimer(): void {
    if (this.ringTimer) clearTimeout(this.ringTimer);
    this.ringTimer = undefined;
  }

  get branchCount(): number {
    return this.branches.size;
  }

  receiveResponse(res: SipResponse, tx: ClientTransaction): void {
    const branch = this.branches.get(tx);
    if (!branch) return;
    const forwarded = stripTopVia(res);
    if (res.status < 200) {
      if (!branch.provisional) {
        branch.provisional = true;
        if (branch.cancelPending) this.sendCancel(branch); // §9.1: CANCEL waits for a provisional response
      }
      if (this.isInvite) this.armTimerC(branch);
      if (res.status !== 100) this.rang = true;
      // §16.7 step 5: provisional responses other than 100 are forwarded immediately.
      if (res.status !== 100 && !this.answered && !this.sentFinal) this.forward(forwarded);
      return;
    }
    this.clearTimerC(branch);
    if (res.status < 300) {
      // §16.7 step 5: "Any 2xx response to an INVITE request" is forwarded immediately, every one of them.
      branch.final = res;
      this.answered = true;
      this.sentFinal = true;
      this.stopRingTimer();
      this.forward(forwarded);
      if (this.isInvite) this.cancelOthers(branch, 'SIP;cause=200;text="Call completed elsewhere"');
      this.checkDone();
      return;
    }
    branch.final = res;
    if (branch.abandoned) return; // its answer came too late to matter
    this.finals.push(forwarded);
    if (res.status >= 600 && this.isInvite) this.cancelOthers(branch, undefined); // §16.7 step 5: 6xx ends the search
    this.checkDone();
  }

  onRequestTimeout(tx: ClientTransaction): void {
    this.synthesize(tx, 408, 'Request Timeout');
  }

  onTransportError(tx: ClientTransaction): void {
    this.synthesize(tx, 503, 'Service Unavailable - Phone Unreachable');
  }

  /** §16.7 step 3/§16.8: a timeout or transport failure counts as a 408/503 from that branch. */
  private synthesize(tx: ClientTransaction, status: number, reason: string): void {
    const branch = this.branches.get(tx);
    if (!branch || branch.final) return;
    this.clearTimerC(branch);
    const res = makeResponse(this.server.request, status, reason);
    branch.final = res;
    if (branch.abandoned) return;
    this.finals.push(res);
    this.checkDone();
  }

  /** The caller sent CANCEL (§16.10): cancel every pending branch; the caller gets 487 when they are done. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stopRingTimer();
    this.cancelOthers(undefined, undefined);
    this.checkDone();
  }

  private cancelOthers(except: Branch | undefined, reason: string | undefined): void {
    for (const b of this.branches.values()) {
      if (b === except || b.final || b.cancelled || b.cancelPending) continue;
      if (b.provisional) this.sendCancel(b, reason);
      else b.cancelPending = true;
    }
  }

  private sendCancel(b: Branch, reason?: string): void {
    b.cancelPending = false;
    b.cancelled = true;
    this.clearTimerC(b);
    const req = b.request;
    // §9.1: CANCEL has the same Request-URI, Call-ID, To, From, CSeq number and top Via as the request.
    const headers = [];
    const topVia = req.headers.getAll('Via')[0];
    if (topVia !== undefined) headers.push({ name: 'Via', value: topVia });
    for (const r of req.headers.getAll('Route')) headers.push({ name: 'Route', value: r });
    headers.push({ name: 'Max-Forwards', value: '70' });
    headers.push({ name: 'From', value: req.headers.get('From') ?? '' });
    headers.push({ name: 'To', value: req.headers.get('To') ?? '' });
    headers.push({ name: 'Call-ID', value: req.headers.get('Call-ID') ?? '' });
    const seq = (req.headers.get('CSeq') ?? '1').trim().split(/\s+/)[0] ?? '1';
    headers.push({ name: 'CSeq', value: `${seq} CANCEL` });
    if (reason) headers.push({ name: 'Reason', value: reason });
    const cancel = createRequest('CANCEL', req.uri, headers);
    this.transactions.sendRequest(cancel, b.flow, { receiveResponse: () => undefined });
  }

  private armTimerC(b: Branch): void {
    this.clearTimerC(b);
    // §16.6 step 11: Timer C (> 3 min), reset by each provisional response; on firing, CANCEL the branch.
    b.timerC = setTimeout(() => {
      b.timerC = undefined;
      if (!b.final && !b.cancelled) {
        this.log.info('Timer C fired; cancelling branch', {
          callId: this.server.request.headers.get('Call-ID'),
        });
        this.sendCancel(b);
      }
    }, TIMER_C);
    b.timerC.unref?.();
  }

  private clearTimerC(b: Branch): void {
    if (b.timerC) clearTimeout(b.timerC);
    b.timerC = undefined;
  }

  private checkDone(): void {
    for (const b of this.branches.values()) if (!b.final && !b.abandoned) return;
    if (!this.sentFinal && !this.cancelled && !this.diverted && this.onExhausted) {
      this.diverted = true;
      this.stopRingTimer();
      const why = { best: pickBest(this.finals), ringTimedOut: this.ringTimedOut, rang: this.rang };
      let goesOn = false;
      try {
        goesOn = this.onExhausted(why);
      } catch (err) {
        this.log.error('diversion failed; answering the caller with the failure', {
          callId: this.server.request.headers.get('Call-ID'),
          err,
        });
      }
      if (goesOn) {
        this.finals = [];
        return;
      }
    }
    if (!this.sentFinal) {
      this.stopRingTimer();
      this.sentFinal = true;
      let best = pickBest(this.finals);
      if (this.cancelled) best = best?.status === 487 ? best : makeResponse(this.server.request, 487);
      if (!best) best = makeResponse(this.server.request, 408);
      // §16.7 step 6: a 503 is mapped to 500, so the caller does not retry elsewhere on our behalf.
      if (best.status === 503)
        best = createResponseMessage(500, 'Server Internal Error', best.headers.entries, best.body);
      if (best.status === 401 || best.status === 407) best = this.aggregateChallenges(best);
      this.forward(best);
    }
    this.onFinished?.(undefined);
  }

  /** Sends a response to the caller after the supplements have seen it, keeping responses in order. */
  private forward(res: SipResponse): void {
    const hook = this.onForward;
    if (!hook) {
      this.server.respond(res);
      return;
    }
    this.forwarding = this.forwarding
      .then(() => hook(res))
      .catch((err: unknown) => {
        // The response still goes out: an answered call must not be lost because media could not be anchored.
        this.log.error('supplement failed on a response; forwarding it unchanged', {
          callId: res.headers.get('Call-ID'),
          status: res.status,
          err,
        });
      })
      .then(() => this.server.respond(res));
  }

  /** §16.7 step 7: collect every challenge of every 401/407 into the response sent. */
  private aggregateChallenges(best: SipResponse): SipResponse {
    const out = createResponseMessage(best.status, best.reason, best.headers.clone().entries, best.body);
    for (const r of this.finals) {
      if (r === best || (r.status !== 401 && r.status !== 407)) continue;
      for (const name of ['WWW-Authenticate', 'Proxy-Authenticate'])
        for (const v of r.headers.getAll(name)) out.headers.append(name, v);
    }
    return out;
  }
}

/** A response as the proxy forwards it: with its own (top) Via removed (§16.7 step 3). */
export function stripTopVia(res: SipResponse): SipResponse {
  const headers = res.headers.clone();
  headers.shift('Via');
  return { kind: 'response', status: res.status, reason: res.reason, headers, body: res.body };
}
