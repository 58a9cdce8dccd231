import type { LocalAddresses } from '../core/local-addresses.js';
import { createRequest, type HeaderEntry, type SipRequest } from '../message/sip-message.js';
import { newBranch } from '../transaction/transaction-layer.js';
import type { Flow } from '../transport/flow.js';
import { formatEventHeader, type EventHeader } from './subscription-options.js';

/** Where a subscription is in its life (RFC 6665 §4.1.2): we accept at once, so never `pending`. */
export type SubscriptionStatus = 'active' | 'terminated';

/** Why a subscription ended, as the final NOTIFY's `reason` says (RFC 6665 §4.1.3); none for an unsubscribe. */
export type TerminationReason = 'timeout' | 'noresource' | 'deactivated' | undefined;

/**
 * One subscription and the dialog it lives in, as the notifier (the UAS of the SUBSCRIBE) holds it
 * (RFC 6665 §4.1.2, RFC 3261 §12.1.1): our NOTIFYs are requests in this dialog.
 */
export class Subscription {
  /** Our next CSeq: NOTIFYs count up from 1 in our direction of the dialog. */
  private localCSeq = 0;
  expiresAt = 0;
  timer: NodeJS.Timeout | undefined;
  status: SubscriptionStatus = 'active';
  /** A NOTIFY is on its way and unanswered: the next waits for it, so NOTIFYs arrive in order. */
  notifying = false;
  /** The state changed while a NOTIFY was outstanding: send the newest once it is answered. */
  notifyAgain = false;

  constructor(
    /** Call-ID, our tag, the subscriber's tag: the dialog's identity (§12). */
    readonly key: string,
    readonly callId: string,
    /** The mailbox watched: the subscriber's own extension. */
    readonly mailbox: string,
    readonly event: EventHeader,
    /** The SUBSCRIBE's To with our tag: the From of our NOTIFYs. */
    readonly local: string,
    /** The SUBSCRIBE's From: the To of our NOTIFYs. */
    readonly remote: string,
    /** The subscriber's Contact: the Request-URI of our NOTIFYs. */
    public remoteTarget: string,
    /** Record-Route of the SUBSCRIBE, in order (§12.1.1): usually none, the phone talks to us directly. */
    readonly routeSet: string[],
    /** The flow the SUBSCRIBE (or its last refresh) came on: NAT bindings and connections point back here. */
    public flow: Flow,
    /** The subscriber's last CSeq, for §12.2.2's ordering check on refreshes. */
    public remoteCSeq: number,
  ) {}

  /** Seconds left, for `Subscription-State: active;expires=` (§4.1.3). */
  remaining(now = Date.now()): number {
    return Math.max(0, Math.round((this.expiresAt - now) / 1000));
  }

  /** A NOTIFY in the dialog (RFC 6665 §4.2.2) carrying `body`, whose Subscription-State is `state`. */
  notify(
    local: LocalAddresses,
    state: string,
    contentType: string,
    body: string,
    userAgent: string,
    flow: Flow,
  ): SipRequest {
    const headers: HeaderEntry[] = [
      {
        name: 'Via',
        value: `SIP/2.0/${flow.transport} ${local.sentBy(flow.transport)};branch=${newBranch()};rport`,
      },
      ...this.routeSet.map((r) => ({ name: 'Route', value: r })),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: this.local },
      { name: 'To', value: this.remote },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${++this.localCSeq} NOTIFY` },
      { name: 'Contact', value: contactFor(local, this.mailbox, flow) },
      { name: 'Event', value: formatEventHeader(this.event) },
      { name: 'Subscription-State', value: state },
      { name: 'User-Agent', value: userAgent },
      { name: 'Content-Type', value: contentType },
    ];
    return createRequest('NOTIFY', this.remoteTarget, headers, Buffer.from(body, 'utf8'));
  }
}

/** Our Contact in a subscription dialog: refreshes come back to this URI, over the subscriber's flow. */
export function contactFor(local: LocalAddresses, user: string, flow: Flow): string {
  return `<sip:${user}@${local.sentBy(flow.transport)};transport=${flow.transport.toLowerCase()}>`;
}
