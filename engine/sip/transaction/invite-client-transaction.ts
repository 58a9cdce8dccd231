import { createRequest, type SipRequest, type SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import {
  ClientTransaction,
  type ClientTransactionOwner,
  type ClientTransactionTransport,
  type ClientTransactionUser,
} from './client-transaction.js';
import { T1, TIMEOUT_64T1, TIMER_D } from './timers.js';
import { TransactionState } from './transaction-state.js';

/**
 * RFC 3261 §17.1.1 INVITE client transaction, with RFC 6026's Accepted state.
 *
 *   Calling --1xx--> Proceeding --2xx--> Accepted --Timer M--> Terminated
 *      |                 |
 *      +---300-699-------+--> Completed (ACK sent) --Timer D--> Terminated
 *      \--Timer B / transport error--> Terminated (TU told)
 */
export class InviteClientTransaction extends ClientTransaction {
  private ack: SipRequest | undefined;

  constructor(
    key: string,
    request: SipRequest,
    flow: Flow,
    transport: ClientTransactionTransport,
    owner: ClientTransactionOwner,
    user: ClientTransactionUser,
  ) {
    super(key, request, flow, transport, owner, user, TransactionState.Calling);
  }

  start(): void {
    this.transmit();
    if (!this.reliable) this.scheduleTimerA(T1);
    // Timer B: "If the client transaction is still in the 'Calling' state when timer B fires, the client
    // transaction SHOULD inform the TU that a timeout has occurred."
    this.timer(TIMEOUT_64T1, () => {
      if (this.state !== TransactionState.Calling) return;
      this.terminate();
      this.user.onRequestTimeout?.(this);
    });
  }

  private scheduleTimerA(interval: number): void {
    this.timer(interval, () => {
      if (this.state !== TransactionState.Calling) return;
      this.transmit();
      this.scheduleTimerA(2 * interval);
    });
  }

  receiveResponse(res: SipResponse): void {
    switch (this.state) {
      case TransactionState.Calling:
      case TransactionState.Proceeding:
        if (res.status < 200) {
          if (this.state === TransactionState.Calling) {
            this.clearTimers(); // stops A and B; Timer C of the proxy core guards the ringing
            this.state = TransactionState.Proceeding;
          }
          this.user.receiveResponse(res, this);
          return;
        }
        this.clearTimers();
        if (res.status < 300) {
          // RFC 6026 §7.2: 2xx → Accepted; Timer M = 64*T1; further 2xx go to the TU.
          this.state = TransactionState.Accepted;
          this.timer(TIMEOUT_64T1, () => this.terminate());
          this.user.receiveResponse(res, this);
          return;
        }
        // §17.1.1.3: "the client transaction MUST pass [the ACK] to the transport layer", enter Completed,
        // and set Timer D (at least 32 s for unreliable transports, zero for reliable ones).
        this.state = TransactionState.Completed;
        this.ack = this.buildAck(res);
        void this.transport.send(this.ack, this.flow);
        this.user.receiveResponse(res, this);
        if (this.reliable) this.terminate();
        else this.timer(TIMER_D, () => this.terminate());
        return;
      case TransactionState.Accepted:
        if (res.status >= 200 && res.status < 300) this.user.receiveResponse(res, this);
        return;
      case TransactionState.Completed:
        // Retransmitted final response: resend the ACK, do not tell the TU.
        if (res.status >= 300 && this.ack) void this.transport.send(this.ack, this.flow);
        return;
      default:
        return;
    }
  }

  /** §17.1.1.3: the ACK for a non-2xx final response. */
  private buildAck(res: SipResponse): SipRequest {
    const req = this.request;
    const headers = [];
    const topVia = req.headers.getAll('Via')[0];
    if (topVia !== undefined) headers.push({ name: 'Via', value: topVia });
    for (const r of req.headers.getAll('Route')) headers.push({ name: 'Route', value: r });
    headers.push({ name: 'Max-Forwards', value: '70' });
    headers.push({ name: 'From', value: req.headers.get('From') ?? '' });
    headers.push({ name: 'To', value: res.headers.get('To') ?? req.headers.get('To') ?? '' });
    headers.push({ name: 'Call-ID', value: req.headers.get('Call-ID') ?? '' });
    const seq = (req.headers.get('CSeq') ?? '').trim().split(/\s+/)[0] ?? '1';
    headers.push({ name: 'CSeq', value: `${seq} ACK` });
    return createRequest('ACK', req.uri, headers);
  }
}
