import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import { isReliable } from '../transport/flow.js';
import { whenSent, type SendResult } from '../transport/transport.js';
import { TransactionBase } from './transaction-base.js';
import { TransactionState } from './transaction-state.js';

export interface ClientTransactionTransport {
  send(req: SipRequest, flow: Flow): SendResult;
}

export interface ClientTransactionOwner {
  transactionTerminated(tx: ClientTransaction): void;
}

/** Up-calls to the transaction user (RFC 3261 §17.1: responses, timeout, transport error). */
export interface ClientTransactionUser {
  receiveResponse(res: SipResponse, tx: ClientTransaction): void;
  onRequestTimeout?(tx: ClientTransaction): void;
  onTransportError?(tx: ClientTransaction): void;
}

export abstract class ClientTransaction extends TransactionBase {
  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    protected readonly transport: ClientTransactionTransport,
    protected readonly owner: ClientTransactionOwner,
    public user: ClientTransactionUser,
    initial: TransactionState,
  ) {
    super(initial);
  }

  get reliable(): boolean {
    return isReliable(this.flow.transport);
  }

  abstract start(): void;
  abstract receiveResponse(res: SipResponse): void;

  protected transmit(): void {
    whenSent(this.transport.send(this.request, this.flow), (ok) => {
      if (ok) return;
      // §17.1.4: a transport failure is reported to the TU and the transaction ends — never from inside
      // start(), which runs before the TU has even got hold of this transaction.
      queueMicrotask(() => {
        if (this.state === TransactionState.Terminated) return;
        this.terminate();
        this.user.onTransportError?.(this);
      });
    });
  }

  terminate(): void {
    if (!this.enterTerminated()) return;
    this.owner.transactionTerminated(this);
  }
}
