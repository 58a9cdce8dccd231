import type { SipRequest } from '../message/sip-message.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';

/**
 * An event package the server serves as the endpoint (RFC 6665 notifier) instead of forwarding: the SIP
 * server asks it about each SUBSCRIBE and each in-dialog request before the proxy core sees them.
 */
export interface LocalEventServer {
  /** Whether this out-of-dialog SUBSCRIBE is for us (asked after authentication). */
  takesSubscribe(req: SipRequest): boolean;
  /** Answers it; `username` is the authenticated extension, which is also the From user. */
  handleSubscribe(tx: ServerTransaction, username: string): void;
  /** Whether an in-dialog request belongs to one of our subscription dialogs. */
  ownsDialog(req: SipRequest): boolean;
  handleInDialog(tx: ServerTransaction): void;
}
