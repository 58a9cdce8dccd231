import type { Logger } from '../../log/index.js';
import type { LocalAddresses } from '../core/local-addresses.js';
import { parseCSeq } from '../message/cseq.js';
import { parseNameAddr, tagOf } from '../message/name-addr.js';
import { createRequest, type SipRequest, type SipResponse } from '../message/sip-message.js';
import { parseUri, uriUserDecoded } from '../message/uri.js';
import type { Diversion, ProxiedRequestContext, ProxySupplement } from '../proxy/proxy-supplement.js';
import { newBranch, type TransactionLayer } from '../transaction/transaction-layer.js';
import type { Flow } from '../transport/flow.js';
import { dispositionFor, type Call } from './call-record.js';

export interface CallTrackerDeps {
  transactions: TransactionLayer;
  local: LocalAddresses;
  log: Logger;
  /** Where a URI is reached (a registered contact's flow, a connection, or the URI itself). */
  resolve(uri: string): Flow | undefined;
  /** Whether a flow can still be used as it is (UDP, or a live connection). */
  connectionOpen(flow: Flow): boolean;
}

/**
 * Follows every call through the proxy (a supplement: it only watches): attempts, ringing, answer, hang-up,
 * and how each ended. It lists calls in progress, tells listeners when one ends (call records, media), and
 * can end an answered call from the middle with a BYE to each side (media timeout).
 */
export class CallTracker implements ProxySupplement {
  readonly name = 'call-tracker';
  private readonly calls = new Map<string, Call>();
  private readonly endedListeners: Array<(call: Call) => void> = [];
  /** Told when a call starts or changes state (ringing, answered); the console's live view listens. */
  onCallChanged: ((call: Call) => void) | undefined;

  constructor(private readonly d: CallTrackerDeps) {}

  onCallEnded(listener: (call: Call) => void): void {
    this.endedListeners.push(listener);
  }

  inProgress(): Call[] {
    return [...this.calls.values()];
  }

  get(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  /** The call went to voicemail: answered there, its record says VOICEMAIL. */
  onDiverted(req: SipRequest, ctx: ProxiedRequestContext, diversion: Diversion): void {
    if (req.method !== 'INVITE' || ctx.inDialog) return;
    const call = this.calls.get(callIdOf(req));
    if (call) call.divertedTo = diversion;
  }

  /** A call attempt the proxy refused itself (unknown extension, nobody registered): recorded and ended. */
  onLocalResponse(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): void {
    if (req.method !== 'INVITE' || ctx.inDialog || res.status < 300) return;
    this.onRequest(req, ctx);
    this.onResponse(res, req, ctx);
  }

  onRequest(req: SipRequest, ctx: ProxiedRequestContext): void {
    if (req.method === 'INVITE' && !ctx.inDialog) {
      if (this.calls.has(callIdOf(req))) return; // a new attempt of the same call (after a challenge)
      const from = req.headers.get('From') ?? '';
      const ruri = parseUri(req.uri);
      const call: Call = {
        callId: callIdOf(req),
        callerTag: tagOf(from) ?? '',
        calleeTag: undefined,
        caller: userOf(from),
        callee: ruri ? (uriUserDecoded(ruri) ?? ruri.host) : req.uri,
        state: 'trying',
        start: Date.now(),
        answer: undefined,
        end: undefined,
        disposition: undefined,
        status: undefined,
        endReason: undefined,
        dialog: {
          callerFlow: ctx.source,
          callerContact: contactOf(req.headers.get('Contact')),
          callerFrom: from,
          callerTo: req.headers.get('To') ?? '',
          callerCSeq: parseCSeq(req.headers.get('CSeq') ?? '')?.seq ?? 1,
          calleeContact: undefined,
          calleeTo: undefined,
          calleeCSeq: 0,
        },
      };
      this.calls.set(call.callId, call);
      this.onCallChanged?.(call);
      return;
    }
    const call = this.calls.get(callIdOf(req));
    if (!call) return;
    const seq = parseCSeq(req.headers.get('CSeq') ?? '')?.seq ?? 0;
    if (tagOf(req.headers.get('From') ?? '') === call.callerTag)
      call.dialog.callerCSeq = Math.max(call.dialog.callerCSeq, seq);
    else call.dialog.calleeCSeq = Math.max(call.dialog.calleeCSeq, seq);
  }

  onResponse(res: SipResponse, req: SipRequest, ctx: ProxiedRequestContext): void {
    const call = this.calls.get(callIdOf(req));
    if (!call) return;
    if (req.method === 'INVITE' && !ctx.inDialog && call.state !== 'answered' && call.state !== 'ended') {
      if (res.status < 200) {
        if (res.status > 100 && call.state !== 'ringing') {
          call.state = 'ringing';
          this.onCallChanged?.(call);
        }
        return;
      }
      if (res.status < 300) {
        call.state = 'answered';
        call.answer = Date.now();
        call.status = res.status;
        call.calleeTag = tagOf(res.headers.get('To') ?? '');
        call.dialog.calleeContact = contactOf(res.headers.get('Contact'));
        call.dialog.calleeTo = res.headers.get('To');
        this.onCallChanged?.(call);
        return;
      }
      // A 401/407 from the callee side is a step of the same attempt, not its end.
      if (res.status === 401 || res.status === 407) return;
      this.finish(call, res.status, `${res.status} ${res.reason}`);
      return;
    }
    if (req.method === 'BYE' && res.status >= 200) {
      const who = tagOf(req.headers.get('From') ?? '') === call.callerTag ? 'caller' : 'callee';
      this.finish(call, call.status ?? 200, `${who} hung up`);
    }
  }

  private finish(call: Call, status: number, reason: string): void {
    if (call.state === 'ended') return;
    const answered = call.state === 'answered';
    call.state = 'ended';
    call.end = Date.now();
    call.status = answered ? (call.status ?? status) : status;
    call.disposition = answered
      ? call.divertedTo?.service === 'voicemail'
        ? 'VOICEMAIL'
        : 'ANSWERED'
      : dispositionFor(status);
    call.endReason = reason;
    this.calls.delete(call.callId);
    for (const l of this.endedListeners) {
      try {
        l(call);
      } catch (err) {
        this.d.log.error('call-ended listener failed', { callId: call.callId, err });
      }
    }
  }

  /**
   * Ends an answered call from the middle: a BYE to each side, as if the other side had hung up
   * (RFC 3261 §15.1.1 requests built from what the dialog's two ends used).
   */
  terminate(callId: string, reason: string): boolean {
    const call = this.calls.get(callId);
    if (!call || call.state !== 'answered') return false;
    const dlg = call.dialog;
    const reasonHeader = { name: 'Reason', value: `SIP;cause=200;text="${reason.replace(/"/g, "'")}"` };
    // To the callee: From = caller's From, To = callee's To (with its tag), the caller's next CSeq.
    if (dlg.calleeContact && dlg.calleeTo) {
      this.sendBye(dlg.calleeContact, dlg.callerFrom, dlg.calleeTo, callId, dlg.callerCSeq + 1, reasonHeader);
    }
    // To the caller: From = callee's To, To = caller's From, the callee's next CSeq.
    if (dlg.calleeTo) {
      const target = dlg.callerContact;
      const flow = dlg.callerFlow;
      this.sendBye(
        target ?? `sip:${flow.remoteAddress}:${flow.remotePort}`,
        dlg.calleeTo,
        dlg.callerFrom,
        callId,
        Math.max(dlg.calleeCSeq + 1, 1),
        reasonHeader,
        flow,
      );
    }
    this.finish(call, call.status ?? 200, reason);
    return true;
  }

  private sendBye(
    target: string,
    from: string,
    to: string,
    callId: string,
    cseq: number,
    reason: { name: string; value: string },
    flowHint?: Flow,
  ): void {
    const flow = flowHint && this.d.connectionOpen(flowHint) ? flowHint : this.d.resolve(target);
    if (!flow) {
      this.d.log.warn('cannot reach a side of the call to end it', { callId, target });
      return;
    }
    const bye = createRequest('BYE', target, [
      {
        name: 'Via',
        value: `SIP/2.0/${flow.transport} ${this.d.local.sentBy(flow.transport)};branch=${newBranch()};rport`,
      },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: from },
      { name: 'To', value: to },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: `${cseq} BYE` },
      reason,
    ]);
    this.d.transactions.sendRequest(bye, flow, { receiveResponse: () => undefined });
  }
}

function callIdOf(m: SipRequest | SipResponse): string {
  return m.headers.get('Call-ID') ?? '';
}

function userOf(nameAddr: string): string {
  const na = parseNameAddr(nameAddr);
  const uri = na ? parseUri(na.uri) : null;
  return uri ? (uriUserDecoded(uri) ?? uri.host) : nameAddr;
}

function contactOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return parseNameAddr(value)?.uri;
}
