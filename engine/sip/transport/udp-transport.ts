import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { parseDatagram } from '../message/parser.js';
import type { Flow } from './flow.js';
import type { Transport, TransportDelegate } from './transport.js';

/**
 * Address resolution for sends: phones are addressed by IP literal, which needs no lookup. dgram's default
 * (dns.lookup) answers even a literal on the next tick, one closure and tick per datagram; this answers
 * literals at once and leaves names to dns.lookup.
 */
function literalLookup(
  address: string,
  family: dns.LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const kind = net.isIP(address);
  if (kind !== 0) {
    callback(null, address, kind);
    return;
  }
  dns.lookup(address, typeof family === 'number' ? { family } : family, callback);
}

/** SIP over UDP (RFC 3261 §18): one message per datagram. */
export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  local = { address: '', port: 0 };
  private socket: dgram.Socket | undefined;

  constructor(private readonly delegate: TransportDelegate) {}

  listen(host: string, port: number): Promise<void> {
    const socket = dgram.createSocket({
      type: net.isIPv6(host) ? 'udp6' : 'udp4',
      reuseAddr: false,
      lookup: literalLookup,
    });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.removeListener('error', reject);
        // Bigger kernel buffers absorb bursts (a whole office re-registering after a power cut).
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
          socket.setSendBufferSize(4 * 1024 * 1024);
        } catch {
          /* the OS may cap these; the defaults still work */
        }
        const a = socket.address();
        this.local = { address: a.address, port: a.port };
        socket.on('error', () => {
          /* ICMP-triggered errors on an unconnected socket are not fatal */
        });
        socket.on('message', (buf, rinfo) => {
          const flow: Flow = {
            transport: 'UDP',
            remoteAddress: rinfo.address,
            remotePort: rinfo.port,
            localAddress: this.local.address,
            localPort: this.local.port,
          };
          if (this.delegate.shedDatagram?.(buf, flow)) return;
          this.delegate.onMessage(parseDatagram(buf), buf, flow);
        });
        resolve();
      });
    });
  }

  /**
   * Fire and forget, without a callback: a datagram's fate is unknown anyway (errors such as ICMP port
   * unreachable arrive later on the socket), and skipping the per-send callback and promise is measurably
   * cheaper under load.
   */
  send(data: Buffer, flow: Flow): boolean {
    const socket = this.socket;
    if (!socket) return false;
    socket.send(data, flow.remotePort, flow.remoteAddress);
    return true;
  }

  hasConnection(): boolean {
    return false;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
