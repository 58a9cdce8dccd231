import type { Logger } from '../../log/index.js';
import { makeResponse } from '../core/make-response.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { HeaderEntry } from '../message/sip-message.js';
import { parseUri, uriUserDecoded } from '../message/uri.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { Binding } from '../location/binding.js';
import type { LocationService } from '../location/location-service.js';
import { flowSource } from '../transport/flow.js';

/** The part of a server transaction the registrar uses. */
export type RegisterTransaction = Pick<ServerTransaction, 'request' | 'flow' | 'respond'>;

export interface RegistrarOptions {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  /** Contacts kept per extension; the oldest is dropped past this. */
  maxContactsPerAor: number;
}

interface ContactUpdate {
  uri: string;
  params: string;
  expires: number;
}

/**
 * The registrar (RFC 3261 §10.3). It sees only authenticated REGISTER requests (authentication sits in the
 * message path before it) and writes the location service; it knows nothing of calls.
 */
export class Registrar {
  constructor(
    private readonly location: LocationService,
    private readonly opts: RegistrarOptions,
    private readonly log: Logger,
  ) {}

  /** `username` is the authenticated user; it may only register its own extension. */
  handle(tx: RegisterTransaction, username: string): void {
    const req = tx.request;
    const to = req.headers.to();
    const toUri = to ? parseUri(to.uri) : null;
    if (!toUri || (toUri.scheme !== 'sip' && toUri.scheme !== 'sips')) {
      tx.respond(makeResponse(req, 404, 'Not Found - Bad To URI'));
      return;
    }
    const aor = uriUserDecoded(toUri);
    if (aor !== username) {
      // §10.3 step 6: the authenticated user must be authorized to modify this AOR's bindings.
      tx.respond(makeResponse(req, 403, 'Forbidden - Credentials Do Not Match The Extension'));
      return;
    }
    const callId = req.headers.get('Call-ID') ?? '';
    const cseq = req.headers.cseq()?.seq ?? 0;
    const contactValues = req.headers.getAll('Contact');
    const expiresHeader = req.headers.get('Expires');
    const headerExpires =
      expiresHeader !== undefined && /^\s*\d+\s*$/.test(expiresHeader) ? Number(expiresHeader) : undefined;

    // §10.3 step 6: "*" only with Expires: 0 and as the only Contact.
    if (contactValues.some((c) => c.trim() === '*')) {
      if (contactValues.length !== 1 || headerExpires !== 0) {
        tx.respond(
          makeResponse(req, 400, 'Bad Request - Wildcard Contact Needs Expires 0 And No Other Contact'),
        );
        return;
      }
      const bindings = this.location.lookup(aor);
      // §10.3 step 6: if any binding has the same Call-ID and a CSeq not lower, the update is aborted.
      if (bindings.some((b) => b.callId === callId && cseq <= b.cseq)) {
        tx.respond(
          makeResponse(req, 500, 'Server Internal Error - Request Out Of Order', [
            { name: 'Retry-After', value: '1' },
          ]),
        );
        return;
      }
      for (const b of bindings) this.location.remove(aor, b.contact);
      this.log.info('unregistered all contacts', { aor, source: flowSource(tx.flow) });
      tx.respond(this.ok(tx, aor));
      return;
    }

    const updates: ContactUpdate[] = [];
    for (const value of contactValues) {
      const na = parseNameAddr(value);
      if (!na || !parseUri(na.uri)) {
        tx.respond(makeResponse(req, 400, 'Bad Request - Invalid Contact'));
        return;
      }
      const param = na.params.get('expires');
      let expires =
        param !== undefined && param !== null && /^\d+$/.test(param)
          ? Number(param)
          : (headerExpires ?? this.opts.defaultExpires);
      if (expires > 0 && expires < this.opts.minExpires) {
        // §10.3 step 7: "the registrar MAY reject the request with a 423 (Interval Too Brief)".
        tx.respond(
          makeResponse(req, 423, undefined, [{ name: 'Min-Expires', value: String(this.opts.minExpires) }]),
        );
        return;
      }
      if (expires > this.opts.maxExpires) expires = this.opts.maxExpires;
      const kept: string[] = [];
      for (const [k, v] of na.params) {
        if (k === 'expires') continue;
        kept.push(v === null ? k : `${k}=${v}`);
      }
      updates.push({ uri: na.uri, params: kept.length ? ';' + kept.join(';') : '', expires });
    }

    // §10.3 step 7: refuse the whole request when it is older than what a binding already holds.
    for (const u of updates) {
      const existing = this.location.get(aor, u.uri);
      if (existing && existing.callId === callId && cseq <= existing.cseq) {
        tx.respond(
          makeResponse(req, 500, 'Server Internal Error - Request Out Of Order', [
            { name: 'Retry-After', value: '1' },
          ]),
        );
        return;
      }
    }

    const now = Date.now();
    const userAgent = req.headers.get('User-Agent') ?? '';
    for (const u of updates) {
      if (u.expires === 0) {
        this.location.remove(aor, u.uri);
        continue;
      }
      const existing = this.location.get(aor, u.uri);
      const b: Binding = {
        aor,
        contact: u.uri,
        params: u.params,
        callId,
        cseq,
        expiresAt: now + u.expires * 1000,
        registeredAt: existing?.registeredAt ?? now,
        flow: tx.flow,
        userAgent,
        reachable: existing?.reachable ?? null,
      };
      this.location.upsert(b);
    }
    const current = this.location.lookup(aor, now);
    if (current.length > this.opts.maxContactsPerAor) {
      current.sort((a, b) => a.registeredAt - b.registeredAt);
      for (const b of current.slice(0, current.length - this.opts.maxContactsPerAor))
        this.location.remove(aor, b.contact);
    }
    if (this.log.enabled('debug'))
      this.log.debug('registered', { aor, contacts: updates.length, source: flowSource(tx.flow) });
    tx.respond(this.ok(tx, aor));
  }

  /** 200 OK listing every current binding with its remaining time (§10.3 step 8). */
  private ok(tx: RegisterTransaction, aor: string) {
    const now = Date.now();
    const extra: HeaderEntry[] = [];
    for (const b of this.location.lookup(aor, now)) {
      extra.push({
        name: 'Contact',
        value: `<${b.contact}>${b.params};expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
      });
    }
    extra.push({ name: 'Date', value: httpDate(now) });
    return makeResponse(tx.request, 200, 'OK', extra);
  }
}

/** RFC 1123 date of `now` (§20.17), formatted once per second rather than once per 200 OK. */
let dateSecond = -1;
let dateText = '';
function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}
