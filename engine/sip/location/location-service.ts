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
    let list = this.byAor.get(b.aor);
    if (!list) this.byAor.set(b.aor, (list = []));
    list.push(b);
    this.indexContact(b);
    this.count++;
  }

  private indexContact(b: Binding): void {
    const k = contactKey(b.contact);
    const list = this.byContact.get(k);
    if (list) list.push(b);
    else this.byContact.set(k, [b]);
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

  /** Adds or refreshes a binding. */
  upsert(b: Binding): void {
    const list = this.byAor.get(b.aor);
    const i = list ? list.findIndex((x) => sameContact(x.contact, b.contact)) : -1;
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

/**
 * Contact URIs compare per RFC 3261 §19.1.4 in principle; phones re-send their own contact byte for byte, so
 * comparing with the scheme and host lower-cased is what matters in practice.
 */
export function contactKey(uri: string): string {
  const at = uri.lastIndexOf('@');
  if (at < 0) return uri.toLowerCase();
  return (
    uri.slice(0, uri.indexOf(':') + 1).toLowerCase() +
    uri.slice(uri.indexOf(':') + 1, at + 1) +
    uri.slice(at + 1).toLowerCase()
  );
}

function sameContact(a: string, b: string): boolean {
  return contactKey(a) === contactKey(b);
}
