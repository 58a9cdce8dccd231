import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import {
  ServerTransaction,
  type ServerTransactionOwner,
  type ServerTransactionTransport,
} from './server-transaction.js';
import { T1, T2, T4, TIMEOUT_64T1 } from './timers.js';
import { TransactionState } from './transaction-state.js';

/**
 * RFC 3261 §17.2.1 INVITE server transaction, with RFC 6026's Accepted state.
 *
 *   Proceeding --2xx--> Accepted --Timer L--> Terminated
 *       |
 *       +--300-699--> Completed --ACK--> Confirmed --Timer I--> Terminated
 *                        \--Timer H (no ACK)--> Terminated
 */
export class InviteServerTransaction extends ServerTransaction {
  /** Called when Timer H fires: the final response was never acknowledged. */
  onAckTimeout: (() => void) | undefined;

  constructor(
    key: string,
    request: SipRequest,
    flow: Flow,
    transport: ServerTransactionTransport,
    owner: ServerTransactionOwner,
  ) {
    super(key, request, flow, transport, owner, TransactionState.Proceeding);
  }

  respond(res: SipResponse): void {
    switch (this.state) {
      case TransactionState.Proceeding:
        this.lastResponse = res;
        this.send(res);
        if (res.status < 200) return;
        if (res.status < 300) {
          // RFC 6026 §7.1: "the server transaction MUST transition to the 'Accepted' state" and set Timer L.
          this.state = TransactionState.Accepted;
          this.timer(TIMEOUT_64T1, () => this.terminate());
          return;
        }
        this.state = TransactionState.Completed;
        if (!this.reliable) this.scheduleTimerG(T1);
        this.timer(TIMEOUT_64T1, () => {
          this.onAckTimeout?.();
          this.terminate();
        });
        return;
      case TransactionState.Accepted:
        // RFC 6026 §8.6: further 2xx from the TU are passed to the transport in Accepted.
        if (res.status >= 200 && res.status < 300) this.send(res);
        return;
      default:
        return;
    }
  }

  private scheduleTimerG(interval: number): void {
    this.timer(interval, () => {
      if (this.state !== TransactionState.Completed || !this.lastResponse) return;
      this.send(this.lastResponse);
      this.scheduleTimerG(Math.min(2 * interval, T2));
    });
  }

  receiveRequest(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state === TransactionState.Completed) {
        // §17.2.1: ACK in Completed → Confirmed; Timer I = T4 for unreliable, zero for reliable transports.
        this.clearTimers();
        this.state = TransactionState.Confirmed;
        if (this.reliable) this.terminate();
        else this.timer(T4, () => this.terminate());
      }
      return;
    }
    // A retransmitted INVITE: resend the last provisional (Proceeding) or final (Completed) response.
    // In Accepted it is absorbed (RFC 6026 §8.7); the UAS core retransmits 2xx end to end.
    if (
      this.lastResponse &&
      (this.state === TransactionState.Proceeding || this.state === TransactionState.Completed)
    ) {
      this.send(this.lastResponse);
    }
  }
}
