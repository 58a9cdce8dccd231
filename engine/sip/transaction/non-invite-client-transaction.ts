import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import {
  ClientTransaction,
  type ClientTransactionOwner,
  type ClientTransactionTransport,
  type ClientTransactionUser,
} from './client-transaction.js';
import { T1, T2, T4, TIMEOUT_64T1 } from './timers.js';
import { TransactionState } from './transaction-state.js';

/**
 * RFC 3261 §17.1.2 non-INVITE client transaction.
 *
 *   Trying --1xx--> Proceeding --final--> Completed --Timer K--> Terminated
 *     \--Timer F / transport error--> Terminated (TU told)
 */
export class NonInviteClientTransaction extends ClientTransaction {
  constructor(
    key: string,
    request: SipRequest,
    flow: Flow,
    transport: ClientTransactionTransport,
    owner: ClientTransactionOwner,
    user: ClientTransactionUser,
  ) {
    super(key, request, flow, transport, owner, user, TransactionState.Trying);
  }

  start(): void {
    this.transmit();
    if (!this.reliable) this.scheduleTimerE(T1);
    // "If Timer F fires while the client transaction is still in the 'Trying' [or 'Proceeding'] state, the
    // client transaction SHOULD inform the TU about the timeout, and then it SHOULD enter the 'Terminated' state."
    this.timer(TIMEOUT_64T1, () => {
      if (this.state !== TransactionState.Trying && this.state !== TransactionState.Proceeding) return;
      this.terminate();
      this.user.onRequestTimeout?.(this);
    });
  }

  private scheduleTimerE(interval: number): void {
    this.timer(interval, () => {
      if (this.state !== TransactionState.Trying && this.state !== TransactionState.Proceeding) return;
      this.transmit();
      // In Proceeding the retransmit interval is T2 (§17.1.2.2).
      this.scheduleTimerE(this.state === TransactionState.Proceeding ? T2 : Math.min(2 * interval, T2));
    });
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== TransactionState.Trying && this.state !== TransactionState.Proceeding) return;
    if (res.status < 200) {
      this.state = TransactionState.Proceeding;
      this.user.receiveResponse(res, this);
      return;
    }
    this.clearTimers();
    this.state = TransactionState.Completed;
    this.user.receiveResponse(res, this);
    // Timer K: T4 for unreliable transports, zero for reliable ones.
    if (this.reliable) this.terminate();
    else this.timer(T4, () => this.terminate());
  }
}
