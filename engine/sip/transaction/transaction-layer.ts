import type { Logger } from '../../log/index.js';
import type { SipRequest, SipResponse } from '../message/sip-message.js';
import type { Flow } from '../transport/flow.js';
import type { TransportUser } from '../transport/transport-layer.js';
import type { ClientTransactionTransport } from './client-transaction.js';
import type { ServerTransactionTransport } from './server-transaction.js';
import type { ClientTransaction, ClientTransactionUser } from './client-transaction.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { ServerTransaction } from './server-transaction.js';
import { makeResponse } from '../core/make-response.js';
import { clientTransactionKey, MAGIC_COOKIE, serverTransactionKey } from './transaction-key.js';
import { randomToken } from '../core/random-pool.js';

/** Up-calls to the transaction user cores (proxy, registrar, …) through one dispatcher. */
export interface TransactionLayerUser {
  /** A new request (not ACK) with its server transaction. */
  receiveRequest(tx: ServerTransaction): void;
  /** An ACK that no server transaction absorbed: the ACK for a 2xx (end to end). */
  receiveAck(ack: SipRequest, flow: Flow): void;
  /** A response matching no client transaction (e.g. a retransmitted 2xx after Timer M). */
  receiveStrayResponse(res: SipResponse, flow: Flow): void;
}

/** What the transaction layer needs from the transport layer: send, and an up-call slot. */
export interface TransactionTransport extends ClientTransactionTransport, ServerTransactionTransport {
  user: TransportUser | undefined;
}

export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(9);
}

/**
 * The transaction layer (RFC 3261 §17): matches requests to server transactions and responses to client
 * transactions, absorbs retransmissions, and passes what is new to the transaction user.
 */
export class TransactionLayer implements TransportUser {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  /** Server transactions that have not sent a final response yet. */
  private serversInProgress = 0;
  user: TransactionLayerUser | undefined;

  constructor(
    readonly transport: TransactionTransport,
    private readonly log: Logger,
  ) {
    transport.user = this;
  }

  /**
   * `server` counts every server transaction, finished ones too (a finished UDP non-INVITE transaction stays
   * 32 s to absorb retransmissions, §17.2.2); `serverInProgress` only those still waiting for their final
   * response: the work in hand, which drops as soon as the load does.
   */
  get counts(): { server: number; serverInProgress: number; client: number } {
    return { server: this.servers.size, serverInProgress: this.serversInProgress, client: this.clients.size };
  }

  transactionAnswered(): void {
    this.serversInProgress--;
  }

  receiveRequest(req: SipRequest, flow: Flow): void {
    const key = serverTransactionKey(req);
    if (key === undefined) return;
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRequest(req);
      if (req.method === 'ACK' && existing.lastResponse && existing.lastResponse.status < 300) {
        // An ACK for a 2xx is its own transaction (§17.2.1): hand it up even if the INVITE is in Accepted.
        this.user?.receiveAck(req, flow);
      }
      return;
    }
    if (req.method === 'ACK') {
      this.user?.receiveAck(req, flow);
      return;
    }
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(key, req, flow, this.transport, this)
        : new NonInviteServerTransaction(key, req, flow, this.transport, this);
    this.servers.set(key, tx);
    this.serversInProgress++;
    this.user?.receiveRequest(tx);
  }

  hasTransactionFor(req: SipRequest): boolean {
    const key = serverTransactionKey(req);
    return key !== undefined && this.servers.has(key);
  }

  /** The INVITE server transaction a CANCEL refers to (§9.2: same branch, method INVITE). */
  findInviteForCancel(cancel: SipRequest): ServerTransaction | undefined {
    const key = serverTransactionKey(cancel, 'INVITE');
    return key === undefined ? undefined : this.servers.get(key);
  }

  receiveResponse(res: SipResponse, flow: Flow): void {
    const via = res.headers.topVia();
    const cseq = res.headers.cseq();
    const branch = via?.params.get('branch');
    if (!via || !cseq || !branch) return;
    const tx = this.clients.get(clientTransactionKey(branch, cseq.method));
    if (tx) tx.receiveResponse(res);
    else this.user?.receiveStrayResponse(res, flow);
  }

  connectionClosed(): void {
    /* connection-bound transactions time out on their own timers */
  }

  /** Starts a client transaction for `req`, whose top Via (with branch) the caller has already set. */
  sendRequest(req: SipRequest, flow: Flow, user: ClientTransactionUser): ClientTransaction {
    const branch = req.headers.topVia()?.params.get('branch');
    // Responses match on the branch the request carries: without one none could ever match.
    if (!branch) throw new Error(`sendRequest: ${req.method} has no Via branch`);
    const key = clientTransactionKey(branch, req.method);
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(key, req, flow, this.transport, this, user)
        : new NonInviteClientTransaction(key, req, flow, this.transport, this, user);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  transactionTerminated(tx: ServerTransaction | ClientTransaction): void {
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
    else if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
  }

  /** Shutdown: answer open INVITE server transactions, abandon the rest. */
  shutdown(): void {
    for (const tx of [...this.servers.values()]) {
      if (!tx.isFinal && tx.request.method !== 'ACK') {
        try {
          tx.onCancel = undefined;
          tx.respond(makeShutdownResponse(tx.request));
        } catch (err) {
          this.log.warn('could not answer transaction on shutdown', { err });
        }
      }
      tx.terminate();
    }
    for (const tx of [...this.clients.values()]) tx.terminate();
  }
}

function makeShutdownResponse(req: SipRequest): SipResponse {
  return makeResponse(req, 503, 'Service Unavailable - Shutting Down', [
    { name: 'Retry-After', value: '30' },
  ]);
}
