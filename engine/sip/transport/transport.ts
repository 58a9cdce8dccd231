import type { ParseResult } from '../message/parser.js';
import type { Flow, TransportProtocol } from './flow.js';

/**
 * The outcome of a send: settled at once for UDP (a datagram is handed to the kernel or not), later for
 * connections. Keeping the synchronous case synchronous spares a promise and a microtask per message.
 */
export type SendResult = boolean | Promise<boolean>;

/** Calls `cb` with the outcome, synchronously when it is already known. */
export function whenSent(result: SendResult, cb: (ok: boolean) => void): void {
  if (typeof result === 'boolean') cb(result);
  else void result.then(cb);
}

/** One listening transport (UDP socket, TCP server, WebSocket endpoint). */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** Address the transport listens on, for health reporting. */
  readonly local: { address: string; port: number };
  /**
   * Sends to a flow. Connection-oriented transports use `flow.connectionId` while that connection is
   * open; TCP opens a new connection otherwise. Resolves false when the message could not be sent.
   */
  send(data: Buffer, flow: Flow): SendResult;
  hasConnection(connectionId: string): boolean;
  close(): Promise<void>;
}

/** Up-call from a transport: one framed (parsed or failed) message and where it came from. */
export interface TransportDelegate {
  /**
   * Called with a datagram before it is parsed; true when it has been dealt with already (answered 503
   * under overload) and must not be parsed at all.
   */
  shedDatagram?(raw: Buffer, flow: Flow): boolean;
  onMessage(result: ParseResult, raw: Buffer, flow: Flow): void;
  onConnectionClosed?(connectionId: string): void;
}
