import type { Logger } from '../../log/index.js';
import type { ParseResult } from '../message/parser.js';
import { findHeadEnd, readHead, requestOf } from '../message/message-head.js';
import type { OverloadMonitor } from './overload-monitor.js';
import {
  serializeMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/sip-message.js';
import { formatVia, type Via } from '../message/via.js';
import { makeResponse } from '../core/make-response.js';
import { flowSource, type Flow, type TransportProtocol } from './flow.js';
import type { SendResult, Transport, TransportDelegate } from './transport.js';

/** Up-call to the transaction layer: a well-formed message and its flow. */
export interface TransportUser {
  receiveRequest(req: SipRequest, flow: Flow): void;
  /** True when a request belongs to a transaction that exists (a retransmission): never shed those. */
  hasTransactionFor?(req: SipRequest): boolean;
  receiveResponse(res: SipResponse, flow: Flow): void;
  connectionClosed?(connectionId: string): void;
}

export interface TransportStats {
  received: number;
  sent: number;
  malformedAnswered: number;
  malformedDropped: number;
  sendFailures: number;
}

/** Watches messages crossing the transport layer; must be cheap and must not throw. */
export interface MessageTap {
  message(direction: 'in' | 'out', msg: SipMessage, data: Buffer, flow: Flow): void;
}
const NO_BODY = Buffer.alloc(0);

/**
 * The transport layer (RFC 3261 §18) over all listening transports. Below it, sockets; above it, the
 * transaction layer. It stamps `received`/`rport` on incoming requests (§18.2.1, RFC 3581), answers
 * malformed requests with 400 (the parser is the edge: after it a message is well-formed), and sends
 * responses back where the request came from (§18.2.2).
 */
export class TransportLayer implements TransportDelegate {
  private readonly transports = new Map<TransportProtocol, Transport>();
  readonly stats: TransportStats = {
    received: 0,
    sent: 0,
    malformedAnswered: 0,
    malformedDropped: 0,
    sendFailures: 0,
  };
  user: TransportUser | undefined;
  /** Sees every well-formed message in and out (the console's call traces). */
  tap: MessageTap | undefined;
  /** Overload protection: while it says so, new out-of-dialog requests are answered 503 (see shed()). */
  overload: OverloadMonitor | undefined;

  constructor(
    private readonly log: Logger,
    private readonly trace: boolean,
  ) {}

  add(t: Transport): void {
    this.transports.set(t.protocol, t);
  }

  get(protocol: TransportProtocol): Transport | undefined {
    return this.transports.get(protocol);
  }

  listeners(): Transport[] {
    return [...this.transports.values()];
  }

  onMessage(result: ParseResult, raw: Buffer, flow: Flow): void {
    this.stats.received++;
    if (this.trace)
      this.log.info('recv', { from: flowSource(flow), transport: flow.transport, sip: raw.toString('utf8') });
    try {
      if (!result.ok) {
        this.rejectMalformed(result, flow);
        return;
      }
      const msg = result.message;
      this.tap?.message('in', msg, raw, flow);
      if (msg.kind === 'request') {
        if (this.overload?.shedding && this.shed(msg, flow)) return;
        this.stampReceived(msg, flow);
        this.user?.receiveRequest(msg, flow);
      } else {
        this.user?.receiveResponse(msg, flow);
      }
    } catch (err) {
      // Nothing a peer sends may take the server down; the message is dropped and the cause logged.
      this.log.error('message handling failed', { from: flowSource(flow), err });
    }
  }

  /**
   * Under overload, a datagram is looked at before the full parse: only its head is split into header
   * fields (no validation, no URI or parameter parsing), which is enough to answer a new out-of-dialog
   * request with 503. Anything else — responses, ACK, CANCEL, in-dialog requests, retransmissions, heads
   * that do not read cleanly — goes the normal way.
   */
  shedDatagram(raw: Buffer, flow: Flow): boolean {
    if (!this.overload?.shedding) return false;
    if (raw.length < 4 || raw[0] === 83 /* S of SIP/2.0: a response */) return false;
    let end = findHeadEnd(raw, 0, raw.length);
    if (end < 0) end = raw.length;
    const head = readHead(raw.toString('utf8', 0, end));
    if (head.error || head.start?.kind !== 'request') return false;
    const req = requestOf(head, NO_BODY);
    if (!req) return false;
    try {
      return this.shed(req, flow);
    } catch (err) {
      this.log.error('overload shedding failed', { from: flowSource(flow), err });
      return false;
    }
  }

  /**
   * RFC 3261 §21.5.4: a server that is temporarily overloaded answers 503 and MAY say when to retry. Only
   * requests that would start new work are refused: out of dialog (no To tag), not ACK or CANCEL, not a
   * retransmission of a request already in a transaction. The answer is stateless and costs one send.
   */
  private shed(req: SipRequest, flow: Flow): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return false;
    const to = req.headers.to();
    if (!to || to.params.get('tag') != null) return false;
    if (!req.headers.topVia() || !req.headers.cseq() || req.headers.get('Call-ID') === undefined)
      return false;
    if (this.user?.hasTransactionFor?.(req)) return false;
    const overload = this.overload!;
    overload.stats.shed++;
    this.stampReceived(req, flow);
    void this.sendResponse(
      makeResponse(req, 503, 'Service Unavailable', [{ name: 'Retry-After', value: overload.retryAfter }]),
      flow,
    );
    return true;
  }

  /** Listeners told when a TCP or WebSocket connection closes (the location service drops WS bindings). */
  readonly connectionClosedListeners: Array<(connectionId: string) => void> = [];

  onConnectionClosed(connectionId: string): void {
    this.user?.connectionClosed?.(connectionId);
    for (const l of this.connectionClosedListeners) l(connectionId);
  }

  private rejectMalformed(result: Extract<ParseResult, { ok: false }>, flow: Flow): void {
    const req = result.request;
    if (!req || req.method === 'ACK' || req.headers.getAll('Via').length === 0) {
      this.stats.malformedDropped++;
      this.log.debug('malformed message dropped', { from: flowSource(flow), reason: result.reason });
      return;
    }
    this.stats.malformedAnswered++;
    this.log.debug('malformed request answered', {
      from: flowSource(flow),
      status: result.status,
      reason: result.reason,
    });
    this.stampReceived(req, flow);
    void this.sendResponse(makeResponse(req, result.status, result.reason), flow);
  }

  /** RFC 3261 §18.2.1 and RFC 3581 §4: record the source address in the top Via. */
  private stampReceived(req: SipRequest, flow: Flow): void {
    const via = req.headers.topVia();
    if (!via) return;
    const hostDiffers = bareHost(via.host) !== flow.remoteAddress;
    const rport = via.params.has('rport');
    if (!hostDiffers && !rport) return;
    // The parsed Via is shared with the header list's cache: stamp a copy.
    const params = new Map(via.params);
    if (hostDiffers) params.set('received', flow.remoteAddress);
    if (rport) {
      params.set('rport', String(flow.remotePort));
      if (!params.has('received')) params.set('received', flow.remoteAddress);
    }
    const stamped: Via = { ...via, params };
    req.headers.replaceTopVia(formatVia(stamped), stamped);
  }

  send(msg: SipMessage, flow: Flow): SendResult {
    const t = this.transports.get(flow.transport);
    if (!t) {
      this.stats.sendFailures++;
      return false;
    }
    const data = serializeMessage(msg);
    if (this.trace)
      this.log.info('send', { to: flowSource(flow), transport: flow.transport, sip: data.toString('utf8') });
    this.tap?.message('out', msg, data, flow);
    const sent = t.send(data, flow);
    if (typeof sent === 'boolean') return this.counted(sent);
    return sent.then((ok) => this.counted(ok));
  }

  private counted(ok: boolean): boolean {
    if (ok) this.stats.sent++;
    else this.stats.sendFailures++;
    return ok;
  }

  /**
   * RFC 3261 §18.2.2: over a connection, use the one the request came on while it is open; otherwise send to
   * `received` (and `rport`, RFC 3581) of the top Via, else its sent-by.
   */
  sendResponse(res: SipResponse, requestFlow: Flow): SendResult {
    if (requestFlow.connectionId) {
      const t = this.transports.get(requestFlow.transport);
      if (t?.hasConnection(requestFlow.connectionId)) return this.send(res, requestFlow);
    }
    const target = responseTarget(res, requestFlow);
    return this.send(res, target);
  }

  /** Whether a message can travel on this flow as it is: UDP always; TCP/WS only over a live connection. */
  connectionOpen(flow: Flow): boolean {
    if (flow.transport === 'UDP') return true;
    if (!flow.connectionId) return false;
    return this.transports.get(flow.transport)?.hasConnection(flow.connectionId) ?? false;
  }

  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
  }
}

/** An IPv6 reference without its brackets; other hosts as they are. */
function bareHost(host: string): string {
  return host.charCodeAt(0) === 91 /* [ */ ? host.replace(/^\[|\]$/g, '') : host;
}

/** Where a response goes when the request's connection is gone (or for UDP): the top Via. */
export function responseTarget(res: SipResponse, requestFlow: Flow): Flow {
  const via = res.headers.topVia();
  if (!via) return requestFlow;
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  const host = received ?? bareHost(via.host);
  let port = rport ? Number(rport) : (via.port ?? 5060);
  if (!Number.isFinite(port) || port <= 0) port = via.port ?? 5060;
  const transport =
    (['UDP', 'TCP', 'TLS', 'WS', 'WSS'] as const).find((t) => t === via.transport) ?? requestFlow.transport;
  if (transport === 'UDP' && !received && !rport && requestFlow.transport === 'UDP') {
    // Without received/rport the sent-by is where the client listens.
    return { ...requestFlow, remoteAddress: host, remotePort: via.port ?? 5060, connectionId: undefined };
  }
  return { ...requestFlow, transport, remoteAddress: host, remotePort: port, connectionId: undefined };
}
