import type { Flow } from '../transport/flow.js';

/** One registered contact of an address-of-record (RFC 3261 §10.3). */
export interface Binding {
  /** The extension this contact registered for. */
  aor: string;
  /** Contact URI as the phone sent it (without header parameters). */
  contact: string;
  /** Header parameters of the Contact value worth keeping (`+sip.instance`, `reg-id`, q), as sent. */
  params: string;
  callId: string;
  cseq: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  registeredAt: number;
  /** Where the REGISTER really came from: requests to this contact go here (NAT, TCP/WS reuse). */
  flow: Flow;
  userAgent: string;
  /** null until the first keep-alive answers or fails. */
  reachable: boolean | null;
}

/** Where bindings are written through to, so they survive a restart. */
export interface BindingPersistence {
  loadAll(): Binding[];
  save(b: Binding): void;
  remove(aor: string, contact: string): void;
  removeAll(aor: string): void;
}
