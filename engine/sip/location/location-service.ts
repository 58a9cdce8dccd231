import { detach } from '../core/detach.js';
import type { Flow } from '../transport/flow.js';
import type { Binding, BindingPersistence } from './binding.js';

export type LocationChange = { kind: 'added' | 'refreshed' | 'removed' | 'expired'; binding: Binding };

/**
 * The location service (RFC 3261 §10.2): address-of-record → contacts, in memory, written through to a
 * persistence layer. The registrar writes it; the proxy core reads it; neither knows the other.
 */
export class LocationService {
  private readonly byAor = new Map<string, Binding[]>();
  /** Contact URI → the bindings using it (two extensions may share one phone's contact). */
  private readonly byContact = new Map<string, Binding[]>();
  private count = 0;
  /** User agents and addresses: a handful of distinct values shared by thousands of bindings. */
  private readonly shared = new StringPool(512);
  private readonly listeners: Array<(c: LocationChange) => void> = [];
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly persistence?: BindingPersistence) {
    if (persistence) {
      const now = Date.now();
      for (const b of persistence.loadAll()) {
        if (b.expiresAt > now) this.insert(b);
        else persistence.remove(b.aor, b.contact);
      }
    }
    this.sweep = setInterval(() => this.expire(), 1000);
    this.sweep.unref();
  }

  onChange(listener: (c: LocationChange) => void): void {
    this.listeners.push(listener);
  }

  private emit(c: LocationChange): void {
    for (const l of this.listeners) l(c);
  }

  private insert(b: Binding): void {
    const list = this.byAor.get(b.aor);
    // An array literal is allocated at its size; `[]` then push reserves 17 slots (a binding's worth).
    if (list) list.push(b);
    else this.byAor.set(b.aor, [b]);
    this.indexContact(b);
    this.count++;
  }

  private indexContact(b: Binding): void {
    const k = contactKey(b.contact);
    const list = this.byContact.get(k);
    if (list) list.push(b);
    else this.byContact.set(k, [b]);
  }

  /**
   * A binding lives for hours, the message it came from for microseconds: its strings are copied out of
   * the message text (a substring would keep the whole REGISTER alive, ~600 B a binding), unchanged ones
   * are taken over from the binding it refreshes, and the few distinct user agents and addresses are
   * shared among all bindings.
   */
  private compact(b: Binding, old: Binding | undefined): Binding {
    const flow = b.flow;
    return {
      aor: old?.aor ?? detach(b.aor),
      contact: old && old.contact === b.contact ? old.contact : detach(b.contact),
      params: old && old.params === b.params ? old.params : detach(b.params),
      callId: old && old.callId === b.callId ? old.callId : detach(b.callId),
      cseq: b.cseq,
      expiresAt: b.expiresAt,
      registeredAt: b.registeredAt,
      flow:
        old && sameFlowValue(old.flow, flow)
          ? old.flow
          : {
              transport: flow.transport,
              remoteAddress: this.shared.get(flow.remoteAddress),
              remotePort: flow.remotePort,
              localAddress: this.shared.get(flow.localAddress),
              localPort: flow.localPort,
              ...(flow.connectionId !== undefined ? { connectionId: detach(flow.connectionId) } : {}),
            },
      userAgent: this.shared.get(b.userAgent),
      reachable: b.reachable,
    };
  }

  private unindexContact(b: Binding): void {
    const k = contactKey(b.contact);
    const list = this.byContact.get(k);
    if (!list) return;
    const i = list.indexOf(b);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byContact.delete(k);
  }

  /** Current (unexpired) bindings of an AOR. */
  lookup(aor: string, now = Date.now()): Binding[] {
    const list = this.byAor.get(aor);
    if (!list) return [];
    return list.filter((b) => b.expiresAt > now);
  }

  /** The binding whose contact URI is `uri` (to reach a registered phone behind NAT or over a connection). */
  findByContact(uri: string): Binding | undefined {
    const now = Date.now();
    return this.byContact.get(contactKey(uri))?.find((b) => b.expiresAt > now);
  }

  get(aor: string, contact: string): Binding | undefined {
    return this.byAor.get(aor)?.find((b) => sameContact(b.contact, contact));
  }

  /** Adds or refreshes a binding (the location service keeps a compact copy of it). */
  upsert(given: Binding): void {
    const list = this.byAor.get(given.aor);
    const i = list ? list.findIndex((x) => sameContact(x.contact, given.contact)) : -1;
    const b = this.compact(given, list && i >= 0 ? list[i] : undefined);
    if (list && i >= 0) {
      const old = list[i]!;
      list[i] = b;
      this.unindexContact(old);
      this.indexContact(b);
      this.persistence?.save(b);
      this.emit({ kind: 'refreshed', binding: b });
    } else {
      this.insert(b);
      this.persistence?.save(b);
      this.emit({ kind: 'added', binding: b });
    }
  }

  remove(aor: string, contact: string, kind: 'removed' | 'expired' = 'removed'): void {
    const list = this.byAor.get(aor);
    if (!list) return;
    const i = list.findIndex((x) => sameContact(x.contact, contact));
    if (i < 0) return;
    const [b] = list.splice(i, 1);
    if (list.length === 0) this.byAor.delete(aor);
    if (b) {
      this.unindexContact(b);
      this.count--;
    }
    this.persistence?.remove(aor, contact);
    if (b) this.emit({ kind, binding: b });
  }

  removeAll(aor: string): void {
    for (const b of [...(this.byAor.get(aor) ?? [])]) this.remove(aor, b.contact);
  }

  /** Every current binding (for the API and keep-alives). */
  all(now = Date.now()): Binding[] {
    const out: Binding[] = [];
    for (const list of this.byAor.values()) for (const b of list) if (b.expiresAt > now) out.push(b);
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** Removes expired bindings (run every second). */
  expire(now = Date.now()): void {
    for (const [aor, list] of this.byAor) {
      for (const b of [...list]) if (b.expiresAt <= now) this.remove(aor, b.contact, 'expired');
    }
  }

  close(): void {
    clearInterval(this.sweep);
  }
}

function sameFlowValue(a: Flow, b: Flow): boolean {
  return (
    a.transport === b.transport &&
    a.remoteAddress === b.remoteAddress &&
    a.remotePort === b.remotePort &&
    a.localAddress === b.localAddress &&
    a.localPort === b.localPort &&
    a.connectionId === b.connectionId
  );
}

/**
 * Interns strings of which there are few distinct values. Bounded: past `max` values (an attack sending a
 * new User-Agent with every REGISTER) new strings are detached copies, not pooled.
 */
class StringPool {
  private readonly pool = new Map<string, string>();
  constructor(private readonly max: number) {}

  get(s: string): string {
    const hit = this.pool.get(s);
    if (hit !== undefined) return hit;
    const own = detach(s);
    if (this.pool.size < this.max) this.pool.set(own, own);
    return own;
  }
}

/**
 * Contact URIs compare per RFC 3261 §19.1.4 in principle; phones re-send their own contact byte for byte, so
 * comparing with the scheme and host lower-cased is what matters in practice.
 */
export function contactKey(uri: string): string {
  const at = uri.lastIndexOf('@');
  if (at < 0) return uri.toLowerCase();
  const colon = uri.indexOf(':') + 1;
  const scheme = uri.slice(0, colon);
  const host = uri.slice(at + 1);
  const lowerScheme = scheme.toLowerCase();
  const lowerHost = host.toLowerCase();
  // Phones send lower case: then the key is the contact itself, not a second string per binding.
  if (lowerScheme === scheme && lowerHost === host) return uri;
  return lowerScheme + uri.slice(colon, at + 1) + lowerHost;
}

function sameContact(a: string, b: string): boolean {
  return contactKey(a) === contactKey(b);
}
