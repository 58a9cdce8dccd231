import os from 'node:os';
import type { SipUri } from '../message/uri.js';
import type { TransportProtocol } from '../transport/flow.js';

/** Knows how this server is addressed: what to write in Via/Record-Route, and which URIs point at us. */
export class LocalAddresses {
  private readonly hosts = new Set<string>();

  constructor(
    readonly advertise: string,
    readonly sipPort: number,
    readonly wsPort: number,
    extraHosts: string[] = [],
  ) {
    this.hosts.add(advertise.toLowerCase());
    for (const h of extraHosts) if (h && h !== '0.0.0.0' && h !== '::') this.hosts.add(h.toLowerCase());
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) this.hosts.add(a.address.toLowerCase());
    this.hosts.add('127.0.0.1');
    this.hosts.add('localhost');
  }

  portFor(transport: TransportProtocol): number {
    return transport === 'WS' || transport === 'WSS' ? this.wsPort : this.sipPort;
  }

  sentBy(transport: TransportProtocol): string {
    return `${hostForUri(this.advertise)}:${this.portFor(transport)}`;
  }

  /** A Record-Route / Path URI for the side of a call reached over `transport` (RFC 3261 §16.6 step 4). */
  recordRoute(transport: TransportProtocol, user?: string): string {
    return `<sip:${user ? user + '@' : ''}${this.sentBy(transport)};transport=${transport.toLowerCase()};lr>`;
  }

  isLocalHost(host: string): boolean {
    return this.hosts.has(host.replace(/^\[|\]$/g, '').toLowerCase());
  }

  /** True when a Via sent-by is one this server writes (our host and one of our SIP ports). */
  isOurSentBy(host: string, port: number | undefined): boolean {
    const p = port ?? 5060;
    return (p === this.sipPort || p === this.wsPort) && this.isLocalHost(host);
  }

  /** True when the URI names this server (a Route we inserted, or a request addressed to the domain itself). */
  isUs(uri: SipUri): boolean {
    if (!this.isLocalHost(uri.host)) return false;
    const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
    return port === this.sipPort || port === this.wsPort;
  }
}

export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
