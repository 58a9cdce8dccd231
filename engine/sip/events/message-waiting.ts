import type { Logger } from '../../log/index.js';
import type { LocalAddresses } from '../core/local-addresses.js';
import { hostForUri } from '../core/local-addresses.js';
import type { Binding } from '../location/binding.js';
import type { LocationChange } from '../location/location-service.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { Flow } from '../transport/flow.js';
import { sameCounts, type MailboxCounts } from './message-summary.js';
import { MwiNotifier } from './mwi-notifier.js';
import type { SubscriptionOptions } from './subscription-options.js';
import { UnsolicitedMwi } from './unsolicited-mwi.js';

export interface MessageWaitingDeps {
  transactions: Pick<TransactionLayer, 'sendRequest'>;
  local: LocalAddresses;
  counts(mailbox: string): MailboxCounts;
  hasMailbox(extension: string): boolean;
  bindings(extension: string): Binding[];
  /** The flow for a request to `target`, preferring `flow` while it is usable. */
  resolve(flow: Flow, target: string): Flow | undefined;
  voicemailNumber: string;
  options: SubscriptionOptions;
  log: Logger;
  userAgent: string;
  /** Default 1500 ms: long enough for a phone that subscribes after registering to have done so. */
  registerDelayMs?: number;
}

/**
 * Message-waiting indication (issue 6): subscriptions (`MwiNotifier`) and unsolicited NOTIFYs
 * (`UnsolicitedMwi`) fed by the mailboxes' changes, the location service and the directory. A change that
 * leaves the counts as they were (a heard message marked heard again) sends nothing.
 */
export class MessageWaiting {
  readonly subscriptions: MwiNotifier;
  readonly unsolicited: UnsolicitedMwi;
  /** The counts last announced per mailbox. */
  private readonly announced = new Map<string, MailboxCounts>();

  constructor(private readonly d: MessageWaitingDeps) {
    const account = messageAccount(d.voicemailNumber, d.local);
    this.subscriptions = new MwiNotifier({ ...d, account });
    this.unsolicited = new UnsolicitedMwi({
      ...d,
      account,
      subscribed: (mailbox, b) => this.subscriptions.subscribedFrom(mailbox, b.contact, b.flow),
      flowFor: (b) => d.resolve(b.flow, b.contact),
      registerDelayMs: d.registerDelayMs ?? 1500,
    });
  }

  mailboxChanged(mailbox: string): void {
    const counts = this.d.counts(mailbox);
    const before = this.announced.get(mailbox);
    if (before && sameCounts(before, counts)) return;
    this.announced.set(mailbox, counts);
    this.d.log.info('message-waiting changed', {
      mailbox,
      new: counts.newMessages,
      old: counts.oldMessages,
    });
    this.subscriptions.mailboxChanged(mailbox);
    this.unsolicited.mailboxChanged(mailbox);
  }

  locationChanged(c: LocationChange): void {
    this.unsolicited.locationChanged(c);
  }

  userDeleted(extension: string): void {
    this.announced.delete(extension);
    this.subscriptions.mailboxRemoved(extension);
  }

  close(): void {
    this.subscriptions.close();
    this.unsolicited.close();
  }
}

/** `sip:*97@<advertised address>` (with the port when it is not 5060): what the phone dials for messages. */
export function messageAccount(voicemailNumber: string, local: LocalAddresses): string {
  const port = local.sipPort === 5060 ? '' : `:${local.sipPort}`;
  return `sip:${voicemailNumber}@${hostForUri(local.advertise)}${port}`;
}
