import type { Logger } from '../../log/index.js';
import type { LocalAddresses } from '../core/local-addresses.js';
import { hostForUri } from '../core/local-addresses.js';
import { newTag } from '../core/make-response.js';
import { randomHex } from '../core/random-pool.js';
import type { Binding } from '../location/binding.js';
import type { LocationChange } from '../location/location-service.js';
import { createRequest } from '../message/sip-message.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import { newBranch } from '../transaction/transaction-layer.js';
import { flowSource, type Flow } from '../transport/flow.js';
import {
  formatMessageSummary,
  MESSAGE_SUMMARY,
  MESSAGE_SUMMARY_TYPE,
  type MailboxCounts,
} from './message-summary.js';
import { contactFor } from './subscription.js';

export interface UnsolicitedMwiDeps {
  transactions: Pick<TransactionLayer, 'sendRequest'>;
  local: LocalAddresses;
  /** The extension's current registrations. */
  bindings(extension: string): Binding[];
  counts(mailbox: string): MailboxCounts;
  /** Whether this phone already subscribes: it hears of changes in its subscription instead. */
  subscribed(mailbox: string, binding: Binding): boolean;
  /** The flow a request to a registered contact goes over (its registration's, while usable). */
  flowFor(binding: Binding): Flow | undefined;
  account: string;
  log: Logger;
  userAgent: string;
  /** How long after a phone registers its first NOTIFY waits: a phone that subscribes meanwhile gets none. */
  registerDelayMs: number;
}

/** Final responses meaning "this phone does not take message-summary NOTIFYs": stop sending it any. */
const REFUSALS = new Set([405, 489, 501]);

/**
 * Unsolicited message-waiting NOTIFYs (out of any dialog, as Asterisk and FreePBX send them; Yealink,
 * Polycom, Grandstream and Snom light their lamp from them) for registered phones that do not subscribe:
 * to every such contact of the extension when the mailbox's counts change, and once shortly after a phone
 * registers anew (a rebooted phone's lamp is off until told otherwise) if the mailbox holds messages.
 * Registration refreshes send nothing.
 */
export class UnsolicitedMwi {
  /** Contacts (extension + contact URI) that refused one: left alone until they register anew. */
  private readonly refused = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly d: UnsolicitedMwiDeps) {}

  mailboxChanged(mailbox: string): void {
    for (const b of this.d.bindings(mailbox)) this.maybeSend(b, 'mailbox changed');
  }

  locationChanged(c: LocationChange): void {
    const key = bindingKey(c.binding);
    if (c.kind === 'refreshed') return;
    this.refused.delete(key);
    if (c.kind !== 'added') return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const now = this.d.bindings(c.binding.aor).find((b) => bindingKey(b) === key);
      if (!now) return;
      const counts = this.d.counts(now.aor);
      if (counts.newMessages + counts.oldMessages === 0) return;
      this.maybeSend(now, 'phone registered');
    }, this.d.registerDelayMs);
    t.unref();
    this.timers.add(t);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private maybeSend(b: Binding, why: string): void {
    if (this.refused.has(bindingKey(b)) || this.d.subscribed(b.aor, b)) return;
    const flow = this.d.flowFor(b);
    if (!flow) return;
    const counts = this.d.counts(b.aor);
    const sentBy = this.d.local.sentBy(flow.transport);
    const host = hostForUri(this.d.local.advertise);
    const req = createRequest(
      'NOTIFY',
      b.contact,
      [
        { name: 'Via', value: `SIP/2.0/${flow.transport} ${sentBy};branch=${newBranch()};rport` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<sip:${b.aor}@${host}>;tag=${newTag()}` },
        { name: 'To', value: `<sip:${b.aor}@${host}>` },
        { name: 'Call-ID', value: randomHex(10) },
        { name: 'CSeq', value: '1 NOTIFY' },
        { name: 'Contact', value: contactFor(this.d.local, b.aor, flow) },
        { name: 'Event', value: MESSAGE_SUMMARY },
        { name: 'Subscription-State', value: 'active' },
        { name: 'User-Agent', value: this.d.userAgent },
        { name: 'Content-Type', value: MESSAGE_SUMMARY_TYPE },
      ],
      Buffer.from(formatMessageSummary(counts, this.d.account), 'utf8'),
    );
    const fields = {
      extension: b.aor,
      contact: b.contact,
      source: flowSource(flow),
      new: counts.newMessages,
      old: counts.oldMessages,
      why,
    };
    this.d.log.debug('unsolicited message-waiting NOTIFY', fields);
    this.d.transactions.sendRequest(req, flow, {
      receiveResponse: (res) => {
        if (res.status < 300) return;
        if (REFUSALS.has(res.status)) {
          this.refused.add(bindingKey(b));
          this.d.log.info('phone refuses message-waiting NOTIFYs: sending it no more', {
            ...fields,
            status: res.status,
          });
        } else
          this.d.log.debug('unsolicited message-waiting NOTIFY refused', { ...fields, status: res.status });
      },
      onRequestTimeout: () => this.d.log.debug('unsolicited message-waiting NOTIFY unanswered', fields),
    });
  }
}

function bindingKey(b: Binding): string {
  return `${b.aor}\n${b.contact}`;
}
