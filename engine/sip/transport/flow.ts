/** Transport protocols as written in Via (RFC 3261 §20.42, RFC 7118 for WS). */
export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

/**
 * Where a message came from or goes to. For connection-oriented transports `connectionId` names the
 * connection so responses and later requests reuse it (RFC 3261 §18.2.2, RFC 5626 flows, RFC 7118).
 */
export interface Flow {
  transport: TransportProtocol;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  connectionId?: string;
}

export function flowKey(f: Flow): string {
  return f.connectionId ?? `${f.transport}:${f.remoteAddress}:${f.remotePort}`;
}

export function flowSource(f: Flow): string {
  return f.remoteAddress.includes(':')
    ? `[${f.remoteAddress}]:${f.remotePort}`
    : `${f.remoteAddress}:${f.remotePort}`;
}

export function isReliable(t: TransportProtocol): boolean {
  return t !== 'UDP';
}
