import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import {
  ServerTransaction,
  type ServerTransactionOwner,
  type ServerTransactionTransport,
} from './server-transaction.js';
import { TIMEOUT_64T1 } from './timers.js';
import { TransactionState } from './transaction-state.js';

/**
 * RFC 3261 §17.2.2 non-INVITE server transaction.
 *
 *   Trying --1xx--> Proceeding --final--> Completed --Timer J--> Terminated
 *      \____________________final___________/^
 */
export class NonInviteServerTransaction extends ServerTransaction {
  constructor(
    key: string,
    request: SipRequest,
    flow: Flow,
    transport: ServerTransactionTransport,
    owner: ServerTransactionOwner,
  ) {
    super(key, request, flow, transport, owner, TransactionState.Trying);
  }

  respond(res: SipResponse): void {
    if (this.state === TransactionState.Completed || this.state === TransactionState.Terminated) return;
    this.lastResponse = res;
    this.send(res);
    if (res.status < 200) {
      this.state = TransactionState.Proceeding;
      return;
    }
    // "When the server transaction enters the 'Completed' state, it MUST set Timer J to fire in 64*T1
    // seconds for unreliable transports, and zero seconds for reliable transports." (§17.2.2)
    this.state = TransactionState.Completed;
    if (this.reliable) this.terminate();
    else {
      this.releaseRequest();
      res.headers.forgetParsed(); // kept 32 s only to be re-sent: nothing of the request's parse with it
      this.timer(TIMEOUT_64T1, () => this.terminate());
    }
  }

  receiveRequest(): void {
    // "If a retransmission of the request is received while in the 'Proceeding' [or 'Completed'] state,
    // the most recently sent provisional [final] response MUST be passed to the transport layer."
    if (
      this.lastResponse &&
      (this.state === TransactionState.Proceeding || this.state === TransactionState.Completed)
    ) {
      this.send(this.lastResponse);
    }
  }
}
