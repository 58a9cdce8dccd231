import net from 'node:net';
import { parseUri, type SipUri } from '../message/uri.js';
import type { LocationService } from '../location/location-service.js';
import type { Flow, TransportProtocol } from '../transport/flow.js';

const TRANSPORTS: Record<string, TransportProtocol> = {
  udp: 'UDP',
  tcp: 'TCP',
  tls: 'TLS',
  ws: 'WS',
  wss: 'WSS',
};

export interface NextHopDeps {
  location: LocationService;
  connectionOpen(flow: Flow): boolean;
  localFlow(transport: TransportProtocol): { address: string; port: number } | undefined;
}

/** The next-hop dependencies as the transport layer and location service provide them. */
export function nextHopDeps(
  location: LocationService,
  transport: {
    connectionOpen(flow: Flow): boolean;
    get(t: TransportProtocol): { local: { address: string; port: number } } | undefined;
  },
): NextHopDeps {
  return {
    location,
    connectionOpen: (f) => transport.connectionOpen(f),
    localFlow: (t) => transport.get(t)?.local,
  };
}

/**
 * Where to send a request whose next hop is `uri` (a Route value or the request-URI). A URI that is a
 * registered contact goes to the flow the phone registered from: its own address may be private (NAT) or a
 * `.invalid` WebSocket name (RFC 7118). Otherwise RFC 3263 without DNS: IP literal, port, transport param.
 */
export function resolveNextHop(uriText: string, deps: NextHopDeps): Flow | undefined {
  const binding = deps.location.findByContact(uriText);
  if (binding && deps.connectionOpen(binding.flow)) return binding.flow;
  const uri = parseUri(uriText);
  if (!uri) return undefined;
  return flowForUri(uri, deps);
}

export function flowForUri(uri: SipUri, deps: NextHopDeps): Flow | undefined {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return undefined;
  const host = uri.host.replace(/^\[|\]$/g, '');
  if (!net.isIP(host)) return undefined; // names need RFC 3263 DNS: not on the LAN path yet
  const tparam = uri.params.get('transport');
  let transport: TransportProtocol = uri.scheme === 'sips' ? 'TLS' : 'UDP';
  if (typeof tparam === 'string') {
    const t = TRANSPORTS[tparam.toLowerCase()];
    if (!t) return undefined;
    transport = t;
  }
  const local = deps.localFlow(transport);
  if (!local) return undefined;
  return {
    transport,
    remoteAddress: host,
    remotePort: uri.port ?? (transport === 'TLS' ? 5061 : 5060),
    localAddress: local.address,
    localPort: local.port,
  };
}
