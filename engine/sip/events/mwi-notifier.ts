import type { Logger } from '../../log/index.js';
import type { LocalAddresses } from '../core/local-addresses.js';
import { makeResponse, newTag } from '../core/make-response.js';
import { contactKey } from '../location/location-service.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { HeaderEntry, SipRequest, SipResponse } from '../message/sip-message.js';
import { parseUri, uriUserDecoded } from '../message/uri.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import { flowKey, flowSource, type Flow } from '../transport/flow.js';
import type { LocalEventServer } from './local-event-server.js';
import {
  formatMessageSummary,
  MESSAGE_SUMMARY,
  MESSAGE_SUMMARY_TYPE,
  type MailboxCounts,
} from './message-summary.js';
import { contactFor, Subscription, type TerminationReason } from './subscription.js';
import { grantExpires, parseEventHeader, type SubscriptionOptions } from './subscription-options.js';

export interface MwiNotifierDeps {
  transactions: Pick<TransactionLayer, 'sendRequest'>;
  local: LocalAddresses;
  /** A mailbox's counts, from memory (a SUBSCRIBE is answered without a database query). */
  counts(mailbox: string): MailboxCounts;
  /** Whether an extension exists (a SUBSCRIBE to someone else's box is 403, to nobody's 404). */
  hasMailbox(extension: string): boolean;
  /** Where an in-dialog request goes when the subscriber's own flow (a closed connection) is gone. */
  resolve(flow: Flow, target: string): Flow | undefined;
  /** What the phones dial for their messages (`*97`): also a Request-URI user meaning "my mailbox". */
  voicemailNumber: string;
  /** The `Message-Account` URI in every summary. */
  account: string;
  options: SubscriptionOptions;
  log: Logger;
  userAgent: string;
  /** Subscriptions kept per mailbox (default 10); a new one past this ends the oldest. */
  maxPerMailbox?: number;
}

const ALLOW_EVENTS: HeaderEntry = { name: 'Allow-Events', value: MESSAGE_SUMMARY };

/**
 * The notifier of the `message-summary` package (RFC 3842 over RFC 6665): a phone subscribes to its own
 * mailbox, gets 200 and at once a NOTIFY with the counts, then one whenever they change, until it
 * unsubscribes, stops refreshing, its NOTIFYs are refused, or its user is deleted.
 *
 * The server is the endpoint of these dialogs (nothing is forwarded, nothing Record-Routed): the SIP server
 * hands it out-of-dialog SUBSCRIBEs it claims (after authentication) and in-dialog requests whose dialog
 * it holds.
 */
export class MwiNotifier implements LocalEventServer {
  private readonly byDialog = new Map<string, Subscription>();
  private readonly byMailbox = new Map<string, Set<Subscription>>();

  constructor(private readonly d: MwiNotifierDeps) {}

  get size(): number {
    return this.byDialog.size;
  }

  /**
   * `message-summary` is ours wherever it is addressed (no phone serves it); any other package is ours only
   * when addressed to the server itself (no user, or the voicemail number), where it gets 489.
   */
  takesSubscribe(req: SipRequest): boolean {
    if (req.method !== 'SUBSCRIBE') return false;
    if (parseEventHeader(req.headers.get('Event'))?.package === MESSAGE_SUMMARY) return true;
    const ruri = parseUri(req.uri);
    if (!ruri || !this.d.local.isLocalHost(ruri.host)) return false;
    const user = uriUserDecoded(ruri) ?? '';
    return user === '' || user === this.d.voicemailNumber;
  }

  /** An authenticated out-of-dialog SUBSCRIBE from `username` (the From user, checked by the SIP server). */
  handleSubscribe(tx: ServerTransaction, username: string): void {
    const req = tx.request;
    const reject = (status: number, reason: string, extra: HeaderEntry[] = []): void =>
      tx.respond(makeResponse(req, status, reason, [...extra, this.server()]));
    const rawEvent = req.headers.get('Event');
    const event = parseEventHeader(rawEvent);
    if (rawEvent === undefined) return reject(400, 'Bad Request - Missing Event Header', [ALLOW_EVENTS]);
    if (!event || event.package !== MESSAGE_SUMMARY) return reject(489, 'Bad Event', [ALLOW_EVENTS]);
    if (!acceptsSummary(req))
      return reject(406, 'Not Acceptable', [{ name: 'Accept', value: MESSAGE_SUMMARY_TYPE }]);
    const ruri = parseUri(req.uri);
    const user = ruri ? (uriUserDecoded(ruri) ?? '') : '';
    if (user !== '' && user !== this.d.voicemailNumber && user !== username) {
      if (this.d.hasMailbox(user)) return reject(403, 'Forbidden - Not Your Mailbox');
      return reject(404, 'Not Found');
    }
    const granted = grantExpires(req.headers.get('Expires'), this.d.options);
    if (!granted.ok)
      return reject(
        granted.status,
        granted.reason,
        granted.minExpires !== undefined ? [{ name: 'Min-Expires', value: String(granted.minExpires) }] : [],
      );
    const contact = parseNameAddr(req.headers.get('Contact') ?? '');
    if (!contact) return reject(400, 'Bad Request - Missing Contact');
    const from = req.headers.get('From')!;
    const fromTag = req.headers.from()?.params.get('tag');
    if (!fromTag) return reject(400, 'Bad Request - From Tag Missing');
    const callId = req.headers.get('Call-ID') ?? '';
    const localTag = newTag();
    const key = dialogKey(callId, localTag, fromTag);
    const sub = new Subscription(
      key,
      callId,
      username,
      event,
      `${req.headers.get('To')!};tag=${localTag}`,
      from,
      contact.uri,
      req.headers.getAll('Record-Route'),
      tx.flow,
      req.headers.cseq()?.seq ?? 0,
    );
    tx.respond(this.ok(req, sub, granted.seconds, localTag));
    if (granted.seconds === 0) {
      // A fetch (RFC 6665 §4.4.3): one NOTIFY with the state, and the subscription is over.
      sub.status = 'terminated';
      this.sendNotify(sub, 'terminated;reason=timeout');
      return;
    }
    // A phone that reboots without unsubscribing (or one that subscribes in a loop) leaves subscriptions
    // behind: past the limit the oldest goes, so their number stays bounded whatever a phone does.
    const existing = this.byMailbox.get(username);
    if (existing && existing.size >= (this.d.maxPerMailbox ?? 10)) {
      const oldest = existing.values().next().value;
      if (oldest) this.end(oldest, 'timeout', 'too many subscriptions to the mailbox');
    }
    let set = this.byMailbox.get(username);
    if (!set) this.byMailbox.set(username, (set = new Set()));
    this.byDialog.set(key, sub);
    set.add(sub);
    this.arm(sub, granted.seconds);
    this.d.log.info('message-waiting subscription started', {
      mailbox: username,
      source: flowSource(tx.flow),
      transport: tx.flow.transport,
      expires: granted.seconds,
      callId,
    });
    this.notifyState(sub);
  }

  ownsDialog(req: SipRequest): boolean {
    return this.byDialog.has(requestDialogKey(req));
  }

  /** A request in one of our subscription dialogs: a refresh or an unsubscribe (§4.1.2.2, §4.1.2.3). */
  handleInDialog(tx: ServerTransaction): void {
    const req = tx.request;
    const sub = this.byDialog.get(requestDialogKey(req));
    const reject = (status: number, reason: string, extra: HeaderEntry[] = []): void =>
      tx.respond(makeResponse(req, status, reason, [...extra, this.server()]));
    if (!sub) return reject(481, 'Call/Transaction Does Not Exist');
    if (req.method !== 'SUBSCRIBE')
      return reject(405, 'Method Not Allowed', [{ name: 'Allow', value: 'SUBSCRIBE' }]);
    const cseq = req.headers.cseq()?.seq ?? 0;
    // RFC 3261 §12.2.2: a request whose CSeq is not above the last one is out of order.
    if (cseq <= sub.remoteCSeq) return reject(500, 'Server Internal Error - CSeq Out Of Order');
    sub.remoteCSeq = cseq;
    if (parseEventHeader(req.headers.get('Event'))?.package !== MESSAGE_SUMMARY)
      return reject(489, 'Bad Event', [ALLOW_EVENTS]);
    const granted = grantExpires(req.headers.get('Expires'), this.d.options);
    if (!granted.ok)
      // A refused refresh leaves the subscription as it was (§4.1.2.2).
      return reject(
        granted.status,
        granted.reason,
        granted.minExpires !== undefined ? [{ name: 'Min-Expires', value: String(granted.minExpires) }] : [],
      );
    // The phone may have come back over another NAT port or connection: later NOTIFYs follow it.
    sub.flow = tx.flow;
    const contact = parseNameAddr(req.headers.get('Contact') ?? '');
    if (contact) sub.remoteTarget = contact.uri;
    tx.respond(this.ok(req, sub, granted.seconds));
    if (granted.seconds === 0) {
      this.end(sub, undefined, 'unsubscribed');
      return;
    }
    this.arm(sub, granted.seconds);
    this.d.log.debug('message-waiting subscription refreshed', {
      mailbox: sub.mailbox,
      expires: granted.seconds,
      callId: sub.callId,
    });
    // §4.2.1.2: an accepted refresh is followed by a NOTIFY with the current state.
    this.notifyState(sub);
  }

  /** The mailbox's counts changed: every subscription to it hears of it. */
  mailboxChanged(mailbox: string): void {
    for (const sub of this.byMailbox.get(mailbox) ?? []) this.notifyState(sub);
  }

  /** The user is gone: their subscriptions end with `reason=noresource` (§4.1.3). */
  mailboxRemoved(mailbox: string): void {
    for (const sub of [...(this.byMailbox.get(mailbox) ?? [])]) this.end(sub, 'noresource', 'user deleted');
  }

  /** Whether a phone (its registered contact or the flow it registered over) subscribes to the mailbox. */
  subscribedFrom(mailbox: string, contact: string, flow: Flow): boolean {
    const key = contactKey(contact);
    const fk = flowKey(flow);
    for (const sub of this.byMailbox.get(mailbox) ?? [])
      if (contactKey(sub.remoteTarget) === key || flowKey(sub.flow) === fk) return true;
    return false;
  }

  /** Shutdown: timers go; phones find out on their next refresh (481) and subscribe again. */
  close(): void {
    for (const sub of this.byDialog.values()) clearTimeout(sub.timer);
    this.byDialog.clear();
    this.byMailbox.clear();
  }

  private server(): HeaderEntry {
    return { name: 'Server', value: this.d.userAgent };
  }

  /** 200 to a SUBSCRIBE: our tag, our Contact (§4.2.1.1: a 2xx MUST carry Expires), the granted Expires. */
  private ok(req: SipRequest, sub: Subscription, seconds: number, toTag?: string): SipResponse {
    return makeResponse(
      req,
      200,
      'OK',
      [
        { name: 'Contact', value: contactFor(this.d.local, sub.mailbox, sub.flow) },
        { name: 'Expires', value: String(seconds) },
        this.server(),
      ],
      toTag,
    );
  }

  /** (Re)starts the expiry timer: a subscription not refreshed in time ends (§4.2.2). */
  private arm(sub: Subscription, seconds: number): void {
    clearTimeout(sub.timer);
    sub.expiresAt = Date.now() + seconds * 1000;
    sub.timer = setTimeout(() => this.end(sub, 'timeout', 'expired'), seconds * 1000);
    sub.timer.unref();
  }

  /** NOTIFY with the current counts; one at a time per dialog, the newest state winning. */
  private notifyState(sub: Subscription): void {
    if (sub.status !== 'active') return;
    if (sub.notifying) {
      sub.notifyAgain = true;
      return;
    }
    this.sendNotify(sub, `active;expires=${sub.remaining()}`);
  }

  /** Removes the subscription and sends its final NOTIFY (§4.2.2: `terminated`, with the reason). */
  private end(sub: Subscription, reason: TerminationReason, why: string, notify = true): void {
    if (sub.status === 'terminated') return;
    sub.status = 'terminated';
    clearTimeout(sub.timer);
    this.byDialog.delete(sub.key);
    const set = this.byMailbox.get(sub.mailbox);
    set?.delete(sub);
    if (set?.size === 0) this.byMailbox.delete(sub.mailbox);
    this.d.log.info('message-waiting subscription ended', {
      mailbox: sub.mailbox,
      why,
      callId: sub.callId,
    });
    if (notify) this.sendNotify(sub, reason ? `terminated;reason=${reason}` : 'terminated');
  }

  private sendNotify(sub: Subscription, state: string): void {
    const flow = this.flowOf(sub);
    if (!flow) {
      this.end(sub, undefined, 'subscriber unreachable', false);
      return;
    }
    const counts = this.d.counts(sub.mailbox);
    const body = formatMessageSummary(counts, this.d.account);
    const req = sub.notify(this.d.local, state, MESSAGE_SUMMARY_TYPE, body, this.d.userAgent, flow);
    const final = sub.status === 'terminated';
    if (!final) sub.notifying = true;
    const done = (): void => {
      if (final || sub.status !== 'active') return;
      sub.notifying = false;
      if (sub.notifyAgain) {
        sub.notifyAgain = false;
        this.notifyState(sub);
      }
    };
    const fail = (why: string): void => {
      if (final) return;
      sub.notifying = false;
      this.end(sub, undefined, why, false);
    };
    if (this.d.log.enabled('debug'))
      this.d.log.debug('message-waiting NOTIFY', {
        mailbox: sub.mailbox,
        state,
        new: counts.newMessages,
        old: counts.oldMessages,
        callId: sub.callId,
      });
    this.d.transactions.sendRequest(req, flow, {
      receiveResponse: (res) => {
        if (res.status < 200) return;
        // RFC 6665 §4.2.2: a NOTIFY answered 481 (the subscriber has forgotten the dialog) or with any
        // other failure ends the subscription; the phone subscribes again when it wants to.
        if (res.status >= 300) fail(`NOTIFY answered ${res.status}`);
        else done();
      },
      onRequestTimeout: () => fail('NOTIFY timed out'),
      onTransportError: () => fail('NOTIFY could not be sent'),
    });
  }

  /** The subscriber's flow while usable (UDP always; a connection while open), else by its Contact. */
  private flowOf(sub: Subscription): Flow | undefined {
    return this.d.resolve(sub.flow, sub.remoteTarget);
  }
}

function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

/** The dialog a request from the subscriber belongs to: its To tag is ours, its From tag theirs. */
function requestDialogKey(req: SipRequest): string {
  return dialogKey(
    req.headers.get('Call-ID') ?? '',
    req.headers.to()?.params.get('tag') ?? '',
    req.headers.from()?.params.get('tag') ?? '',
  );
}

/** Accept absent, or naming the summary type or a wildcard that covers it (RFC 3261 §20.1). */
function acceptsSummary(req: SipRequest): boolean {
  const values = req.headers.getAll('Accept');
  if (values.length === 0) return true;
  const types = values.flatMap((v) => v.split(',')).map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (types.every((t) => t === '')) return true;
  return types.some((t) => t === MESSAGE_SUMMARY_TYPE || t === 'application/*' || t === '*/*');
}
