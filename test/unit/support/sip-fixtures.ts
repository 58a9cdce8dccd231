import { makeResponse } from '../../../engine/sip/core/make-response.js';
import {
  createRequest,
  type HeaderEntry,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../engine/sip/message/sip-message.js';
import type {
  ClientTransaction,
  ClientTransactionOwner,
  ClientTransactionTransport,
  ClientTransactionUser,
  ServerTransaction,
  ServerTransactionOwner,
  ServerTransactionTransport,
} from '../../../engine/sip/transaction/index.js';
import type { Flow, TransportProtocol } from '../../../engine/sip/transport/flow.js';

/** A flow from a phone at 192.0.2.10; connection-oriented transports get a connection id. */
export function flow(transport: TransportProtocol = 'UDP'): Flow {
  return {
    transport,
    remoteAddress: '192.0.2.10',
    remotePort: 5060,
    localAddress: '192.0.2.1',
    localPort: 5060,
    ...(transport === 'UDP' ? {} : { connectionId: `${transport.toLowerCase()}-1` }),
  };
}

export interface RequestOptions {
  /** Top Via branch; null leaves the parameter out (an RFC 2543 element). */
  branch?: string | null;
  sentBy?: string;
  viaTransport?: string;
  /** Further Via values below the top one. */
  lowerVias?: string[];
  routes?: string[];
  uri?: string;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  extra?: HeaderEntry[];
}

/** A request as a phone (or the proxy core, for client transactions) would send it. */
export function request(method: string, o: RequestOptions = {}): SipRequest {
  const branch = o.branch === undefined ? 'z9hG4bK-unit-1' : o.branch;
  const via =
    `SIP/2.0/${o.viaTransport ?? 'UDP'} ${o.sentBy ?? '192.0.2.10:5060'}` +
    (branch === null ? '' : `;branch=${branch}`);
  const headers: HeaderEntry[] = [{ name: 'Via', value: via }];
  for (const v of o.lowerVias ?? []) headers.push({ name: 'Via', value: v });
  for (const r of o.routes ?? []) headers.push({ name: 'Route', value: r });
  headers.push(
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<sip:201@pbx.example>;tag=${o.fromTag ?? 'from-tag-1'}` },
    { name: 'To', value: '<sip:202@pbx.example>' + (o.toTag ? `;tag=${o.toTag}` : '') },
    { name: 'Call-ID', value: o.callId ?? 'call-1@192.0.2.10' },
    { name: 'CSeq', value: `${o.cseq ?? 1} ${method}` },
    ...(o.extra ?? []),
  );
  return createRequest(method, o.uri ?? 'sip:202@pbx.example', headers);
}

/** The far end's response to `req` (To tag added for everything above 100). */
export function response(req: SipRequest, status: number, toTag = 'uas-tag-1'): SipResponse {
  return makeResponse(req, status, undefined, [], toTag);
}

export interface Sent {
  /** Mocked Date.now() when the transaction handed the message down. */
  at: number;
  message: SipMessage;
  flow: Flow;
}

/** Implements both transaction → transport interfaces by recording what is sent. */
export class FakeTransport implements ClientTransactionTransport, ServerTransactionTransport {
  readonly sent: Sent[] = [];
  /** What send() and sendResponse() resolve to: false simulates a transport failure (§17.1.4, §17.2.4). */
  result = true;

  async send(req: SipRequest, f: Flow): Promise<boolean> {
    this.sent.push({ at: Date.now(), message: req, flow: f });
    return this.result;
  }

  async sendResponse(res: SipResponse, f: Flow): Promise<boolean> {
    this.sent.push({ at: Date.now(), message: res, flow: f });
    return this.result;
  }

  /** Times (ms) at which requests with this method were sent. */
  requestTimes(method: string): number[] {
    return this.requests(method).map((s) => s.at);
  }

  requests(method: string): Array<Sent & { message: SipRequest }> {
    return this.sent.filter(
      (s): s is Sent & { message: SipRequest } => s.message.kind === 'request' && s.message.method === method,
    );
  }

  /** Status codes of the responses sent, in order. */
  responseStatuses(): number[] {
    return this.sent.flatMap((s) => (s.message.kind === 'response' ? [s.message.status] : []));
  }

  responseTimes(): number[] {
    return this.sent.filter((s) => s.message.kind === 'response').map((s) => s.at);
  }
}

/** Records what a transaction tells its owner (the transaction layer). */
export class FakeOwner implements ClientTransactionOwner, ServerTransactionOwner {
  readonly terminated: Array<ClientTransaction | ServerTransaction> = [];
  transactionTerminated(tx: ClientTransaction | ServerTransaction): void {
    this.terminated.push(tx);
  }
}

export type TuEvent =
  | { kind: 'response'; status: number; at: number }
  | { kind: 'timeout'; at: number }
  | { kind: 'transport-error'; at: number };

/** A client transaction user recording every up-call. */
export class FakeTu implements ClientTransactionUser {
  readonly events: TuEvent[] = [];
  receiveResponse(res: SipResponse): void {
    this.events.push({ kind: 'response', status: res.status, at: Date.now() });
  }
  onRequestTimeout(): void {
    this.events.push({ kind: 'timeout', at: Date.now() });
  }
  onTransportError(): void {
    this.events.push({ kind: 'transport-error', at: Date.now() });
  }
  statuses(): number[] {
    return this.events.flatMap((e) => (e.kind === 'response' ? [e.status] : []));
  }
  count(kind: TuEvent['kind']): number {
    return this.events.filter((e) => e.kind === kind).length;
  }
}
