import { createRequest, type SipRequest, type SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import { isReliable } from '../transport/flow.js';
import { whenSent, type SendResult } from '../transport/transport.js';
import { TransactionBase } from './transaction-base.js';
import { TransactionState } from './transaction-state.js';

/** What a server transaction needs from below: send a response back over the request's flow. */
export interface ServerTransactionTransport {
  sendResponse(res: SipResponse, flow: Flow): SendResult;
}

export interface ServerTransactionOwner {
  transactionTerminated(tx: ServerTransaction): void;
  /** The transaction has sent its first final response, or ended without one: it is no longer in progress. */
  transactionAnswered?(tx: ServerTransaction): void;
}

/** Common shape of the two server machines; the TU answers through `respond()`. */
const RELEASED_REQUEST: SipRequest = createRequest('RELEASED', 'sip:released.invalid');

export abstract class ServerTransaction extends TransactionBase {
  lastResponse: SipResponse | undefined;
  /** Set by the core when it wants to hear of a CANCEL or an ACK timeout. */
  onCancel: ((cancel: SipRequest) => void) | undefined;
  onTerminated: (() => void) | undefined;
  /** §17.2.4: the transport could not send a response; the transaction has ended. */
  onTransportError: (() => void) | undefined;

  private current: SipRequest;
  /** Until the first final response (or the end): counted as work in progress by the owner. */
  private inProgress = true;

  constructor(
    readonly key: string,
    request: SipRequest,
    readonly flow: Flow,
    protected readonly transport: ServerTransactionTransport,
    protected readonly owner: ServerTransactionOwner,
    initial: TransactionState,
  ) {
    super(initial);
    this.current = request;
  }

  /** The request this transaction serves (a placeholder once a completed non-INVITE has let it go). */
  get request(): SipRequest {
    return this.current;
  }

  /**
   * A completed non-INVITE transaction only re-sends its response to retransmissions for 32 s (Timer J):
   * it lets the parsed request go, so a burst of registrations does not keep every REGISTER in memory.
   */
  protected releaseRequest(): void {
    this.current = RELEASED_REQUEST;
  }

  get reliable(): boolean {
    return isReliable(this.flow.transport);
  }

  abstract respond(res: SipResponse): void;
  /** A retransmission of the request (or, for INVITE, an ACK) matched this transaction. */
  abstract receiveRequest(req: SipRequest): void;

  get isFinal(): boolean {
    return this.lastResponse !== undefined && this.lastResponse.status >= 200;
  }

  protected send(res: SipResponse): void {
    if (res.status >= 200) this.answered();
    whenSent(this.transport.sendResponse(res, this.flow), (ok) => {
      if (ok) return;
      // §17.2.4: a transport failure is reported to the TU and the transaction ends (after respond()
      // has returned, so the TU never sees the transaction end in the middle of its own call).
      queueMicrotask(() => {
        if (this.state === TransactionState.Terminated) return;
        this.terminate();
        this.onTransportError?.();
      });
    });
  }

  private answered(): void {
    if (!this.inProgress) return;
    this.inProgress = false;
    this.owner.transactionAnswered?.(this);
  }

  terminate(): void {
    if (!this.enterTerminated()) return;
    this.answered();
    this.owner.transactionTerminated(this);
    this.onTerminated?.();
  }
}
