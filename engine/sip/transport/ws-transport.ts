import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseDatagram } from '../message/parser.js';
import type { Flow } from './flow.js';
import type { Transport, TransportDelegate } from './transport.js';

/**
 * SIP over WebSocket (RFC 7118) at a path of the HTTP server. Each WebSocket message carries exactly one
 * SIP message (§5), so framing is per message as on UDP. Requests towards a WebSocket client can only
 * travel over its open connection: the client's Contact host is usually a `.invalid` name.
 */
export class WsTransport implements Transport {
  readonly protocol = 'WS' as const;
  local = { address: '', port: 0 };
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 65536,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  private readonly connections = new Map<string, WebSocket>();
  private nextId = 1;
  private server: http.Server | undefined;
  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '';
    if (url !== this.path && !url.startsWith(this.path + '?')) {
      socket.destroy();
      return;
    }
    const proto = String(req.headers['sec-websocket-protocol'] ?? '');
    if (!proto.split(',').some((p) => p.trim() === 'sip')) {
      // RFC 7118 §4: the "sip" subprotocol is mandatory.
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nSec-WebSocket-Protocol must include "sip"\n',
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, req));
  };

  constructor(
    private readonly delegate: TransportDelegate,
    private readonly path = '/ws',
  ) {}

  attach(server: http.Server): void {
    this.server = server;
    const a = server.address();
    if (a && typeof a === 'object') this.local = { address: a.address, port: a.port };
    server.on('upgrade', this.onUpgrade);
  }

  private adopt(ws: WebSocket, req: http.IncomingMessage): void {
    const id = `ws-${this.nextId++}`;
    this.connections.set(id, ws);
    const sock = req.socket;
    const flow: Flow = {
      transport: 'WS',
      remoteAddress: sock.remoteAddress ?? '',
      remotePort: sock.remotePort ?? 0,
      localAddress: sock.localAddress ?? '',
      localPort: sock.localPort ?? 0,
      connectionId: id,
    };
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (buf.length === 2 && buf[0] === 0x0d && buf[1] === 0x0a) return; // keep-alive
      this.delegate.onMessage(parseDatagram(buf), buf, flow);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.connections.delete(id);
      this.delegate.onConnectionClosed?.(id);
    });
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  send(data: Buffer, flow: Flow): Promise<boolean> {
    const ws = flow.connectionId ? this.connections.get(flow.connectionId) : undefined;
    if (!ws || ws.readyState !== ws.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => ws.send(data.toString('utf8'), (err) => resolve(!err)));
  }

  close(): Promise<void> {
    this.server?.removeListener('upgrade', this.onUpgrade);
    for (const ws of this.connections.values()) ws.terminate();
    this.connections.clear();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
