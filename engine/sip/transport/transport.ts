import type { ParseResult } from '../message/parser.js';
import type { Flow, TransportProtocol } from './flow.js';

/** One listening transport (UDP socket, TCP server, WebSocket endpoint). */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** Address the transport listens on, for health reporting. */
  readonly local: { address: string; port: number };
  /**
   * Sends to a flow. Connection-oriented transports use `flow.connectionId` while that connection is
   * open; TCP opens a new connection otherwise. Resolves false when the message could not be sent.
   */
  send(data: Buffer, flow: Flow): boolean | Promise<boolean>;
  hasConnection(connectionId: string): boolean;
  close(): Promise<void>;
}

/** Up-call from a transport: one framed (parsed or failed) message and where it came from. */
export interface TransportDelegate {
  onMessage(result: ParseResult, raw: Buffer, flow: Flow): void;
  onConnectionClosed?(connectionId: string): void;
}
