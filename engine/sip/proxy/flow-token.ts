import crypto from 'node:crypto';
import type { Flow, TransportProtocol } from '../transport/flow.js';

const TRANSPORTS: readonly TransportProtocol[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS'];

/**
 * Flow tokens (after RFC 5626 §5.2): the user part of the Record-Route URI we insert names the flows of both
 * ends of the dialog, signed so nobody can forge one to make us send elsewhere. An in-dialog request that
 * came in on one of the flows goes out on the other, whatever its Contact says: that is how a phone behind
 * NAT, or on a TCP or WebSocket connection, gets the BYE of a call it did not register for.
 */
export class FlowTokens {
  private readonly key = crypto.randomBytes(32);

  encode(a: Flow, b: Flow): string {
    const body = `${pack(a)}.${pack(b)}`;
    return `${body}.${this.mac(body)}`;
  }

  /** Both flows, or undefined when the token is not one of ours (or from before a restart). */
  decode(user: string): [Flow, Flow] | undefined {
    const parts = user.split('.');
    if (parts.length !== 3) return undefined;
    const body = `${parts[0]}.${parts[1]}`;
    const mac = Buffer.from(parts[2]!, 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) return undefined;
    const a = unpack(parts[0]!);
    const b = unpack(parts[1]!);
    return a && b ? [a, b] : undefined;
  }

  private mac(body: string): string {
    return crypto.createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 16);
  }
}

function pack(f: Flow): string {
  return Buffer.from(
    [f.transport, f.remoteAddress, f.remotePort, f.localAddress, f.localPort, f.connectionId ?? ''].join('|'),
  ).toString('base64url');
}

function unpack(s: string): Flow | undefined {
  const p = Buffer.from(s, 'base64url').toString('utf8').split('|');
  if (p.length !== 6) return undefined;
  const transport = TRANSPORTS.find((t) => t === p[0]);
  const remotePort = Number(p[2]);
  const localPort = Number(p[4]);
  if (!transport || !Number.isInteger(remotePort) || !Number.isInteger(localPort)) return undefined;
  const flow: Flow = { transport, remoteAddress: p[1]!, remotePort, localAddress: p[3]!, localPort };
  if (p[5]) flow.connectionId = p[5];
  return flow;
}

/** Whether `source` is the same flow as `f` (same connection, or same UDP address and port). */
export function sameFlow(f: Flow, source: Flow): boolean {
  if (f.transport !== source.transport) return false;
  if (f.connectionId && source.connectionId) return f.connectionId === source.connectionId;
  return f.remoteAddress === source.remoteAddress && f.remotePort === source.remotePort;
}
