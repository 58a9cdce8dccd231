import net from 'node:net';
import { StreamFramer } from '../message/parser.js';
import type { Flow } from './flow.js';
import type { Transport, TransportDelegate } from './transport.js';

const IDLE_TIMEOUT_MS = 10 * 60 * 1000; // longer than any registration refresh a phone uses over TCP

/** SIP over TCP (RFC 3261 §18.3): Content-Length framing, connection reuse for responses and requests. */
export class TcpTransport implements Transport {
  readonly protocol = 'TCP' as const;
  local = { address: '', port: 0 };
  private server: net.Server | undefined;
  private readonly connections = new Map<string, net.Socket>();
  /** Outbound connections by remote address, reused for later requests to the same peer. */
  private readonly byRemote = new Map<string, string>();
  private nextId = 1;

  constructor(private readonly delegate: TransportDelegate) {}

  listen(host: string, port: number): Promise<void> {
    const server = net.createServer((socket) => this.adopt(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        const a = server.address() as net.AddressInfo;
        this.local = { address: a.address, port: a.port };
        resolve();
      });
    });
  }

  private adopt(socket: net.Socket): string {
    const id = `tcp-${this.nextId++}`;
    this.connections.set(id, socket);
    const remoteKey = `${socket.remoteAddress}:${socket.remotePort}`;
    this.byRemote.set(remoteKey, id);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    const framer = new StreamFramer();
    const flow: Flow = {
      transport: 'TCP',
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      connectionId: id,
    };
    socket.on('data', (chunk) => {
      const results = framer.push(chunk);
      for (const r of results) this.delegate.onMessage(r, chunk, flow);
      const pongs = framer.takePongs();
      // RFC 5626 §3.5.1: a CRLFCRLF ping is answered with a single CRLF pong.
      if (pongs > 0) socket.write('\r\n'.repeat(pongs));
      if (framer.broken) {
        // Framing is lost: the only safe thing is to drop the connection, after the error answer is flushed.
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.connections.delete(id);
      if (this.byRemote.get(remoteKey) === id) this.byRemote.delete(remoteKey);
      this.delegate.onConnectionClosed?.(id);
    });
    return id;
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  async send(data: Buffer, flow: Flow): Promise<boolean> {
    let socket = flow.connectionId ? this.connections.get(flow.connectionId) : undefined;
    if (!socket) {
      const existing = this.byRemote.get(`${flow.remoteAddress}:${flow.remotePort}`);
      if (existing) socket = this.connections.get(existing);
    }
    if (!socket) socket = await this.connect(flow.remoteAddress, flow.remotePort);
    if (!socket || socket.destroyed) return false;
    socket.write(data);
    return true;
  }

  private connect(host: string, port: number): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const fail = (): void => {
        socket.destroy();
        resolve(undefined);
      };
      socket.setTimeout(5000, fail);
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.removeListener('error', fail);
        socket.setTimeout(0);
        this.adopt(socket);
        resolve(socket);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
