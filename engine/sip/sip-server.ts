import type { Logger } from '../log/index.js';
import type { AuthGuard } from './auth/auth-guard.js';
import type { DigestAuthenticator } from './auth/digest-authenticator.js';
import type { LocalAddresses } from './core/local-addresses.js';
import type { LocalEventServer } from './events/local-event-server.js';
import { makeResponse } from './core/make-response.js';
import type { SipRequest, SipResponse } from './message/sip-message.js';
import { parseUri, uriUserDecoded } from './message/uri.js';
import type { ProxyCore } from './proxy/proxy-core.js';
import type { Registrar } from './registrar/registrar.js';
import type { ServerTransaction } from './transaction/server-transaction.js';
import type { TransactionLayer, TransactionLayerUser } from './transaction/transaction-layer.js';
import { flowSource, type Flow } from './transport/flow.js';

/** Methods this server knows; anything else is answered 501 (RFC 3261 §8.2.1). */
export const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'INFO',
  'UPDATE',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
]);
/** Methods we accept as the addressed element; PUBLISH (presence) is known but not served yet → 405. */
const ALLOW =
  'INVITE, ACK, BYE, CANCEL, REGISTER, OPTIONS, INFO, UPDATE, PRACK, SUBSCRIBE, NOTIFY, REFER, MESSAGE';
const NOT_ALLOWED = new Set(['PUBLISH']);
/** Option tags we support (RFC 3261 §8.2.2.3); anything else in Require / Proxy-Require gets 420. */
const SUPPORTED: ReadonlySet<string> = new Set(['path']);

export interface SipServerDeps {
  transactions: TransactionLayer;
  registrar: Registrar;
  proxy: ProxyCore;
  authenticator: DigestAuthenticator;
  guard: AuthGuard;
  local: LocalAddresses;
  log: Logger;
  userAgent: string;
  /** Event packages the server answers itself (message-waiting), asked before the proxy core. */
  events?: LocalEventServer;
}

export interface SipServerStats {
  requests: number;
  blockedDropped: number;
  authFailures: number;
}

/**
 * The message path above the transaction layer: security filtering, validation that depends on the
 * element's role, authentication (once, for every application), then dispatch to the registrar, the
 * OPTIONS responder, the event packages served here (message-waiting) or the proxy core. The applications never see an unauthenticated out-of-dialog request.
 */
export class SipServer implements TransactionLayerUser {
  readonly stats: SipServerStats = { requests: 0, blockedDropped: 0, authFailures: 0 };

  constructor(private readonly d: SipServerDeps) {
    d.transactions.user = this;
  }

  receiveRequest(tx: ServerTransaction): void {
    const req = tx.request;
    this.stats.requests++;
    if (this.d.guard.isBlocked(tx.flow.remoteAddress)) {
      this.stats.blockedDropped++;
      tx.terminate();
      return;
    }
    if (req.method === 'CANCEL') {
      this.d.proxy.handleCancel(tx, this.d.transactions.findInviteForCancel(req));
      return;
    }
    if (!KNOWN_METHODS.has(req.method)) {
      tx.respond(makeResponse(req, 501, 'Not Implemented', [{ name: 'Allow', value: ALLOW }]));
      return;
    }
    const maxForwards = req.headers.get('Max-Forwards');
    const ruri = parseUri(req.uri);
    if (!ruri || (ruri.scheme !== 'sip' && ruri.scheme !== 'sips' && ruri.scheme !== 'tel')) {
      tx.respond(makeResponse(req, 416, 'Unsupported URI Scheme'));
      return;
    }
    const toUs = (ruri.user === undefined || ruri.user === '') && this.d.local.isLocalHost(ruri.host);
    if (maxForwards !== undefined && Number(maxForwards) <= 0 && !(req.method === 'OPTIONS' && toUs)) {
      tx.respond(makeResponse(req, 483, 'Too Many Hops'));
      return;
    }
    if (this.d.proxy.isLoop(req)) {
      tx.respond(makeResponse(req, 482, 'Loop Detected'));
      return;
    }
    const unsupported = this.unsupported(
      req,
      req.method === 'REGISTER' || toUs ? ['Require', 'Proxy-Require'] : ['Proxy-Require'],
    );
    if (unsupported.length) {
      tx.respond(
        makeResponse(req, 420, 'Bad Extension', [{ name: 'Unsupported', value: unsupported.join(', ') }]),
      );
      return;
    }
    if (NOT_ALLOWED.has(req.method)) {
      tx.respond(makeResponse(req, 405, 'Method Not Allowed', [{ name: 'Allow', value: ALLOW }]));
      return;
    }
    if (req.method === 'OPTIONS' && toUs) {
      // Keep-alives and capability queries to the server itself need no credentials.
      tx.respond(
        makeResponse(req, 200, 'OK', [
          { name: 'Allow', value: ALLOW },
          { name: 'Accept', value: 'application/sdp' },
          { name: 'Supported', value: [...SUPPORTED].join(', ') },
          { name: 'Server', value: this.d.userAgent },
        ]),
      );
      return;
    }
    const inDialog = req.headers.to()?.params.get('tag') != null;
    if (req.method === 'REGISTER') {
      this.authenticated(tx, false, (username) => this.d.registrar.handle(tx, username));
      return;
    }
    if (inDialog) {
      // Dialogs the server itself is an end of (subscriptions) come before the proxy core, which would
      // answer 481 to an in-dialog request addressed to us without a Route.
      if (this.d.events?.ownsDialog(req)) this.d.events.handleInDialog(tx);
      else this.d.proxy.handleRequest(tx);
      return;
    }
    this.authenticated(tx, true, (username) => {
      // A phone may only call as itself: the From user must be the authenticated extension.
      const from = req.headers.from();
      const fromUri = from ? parseUri(from.uri) : null;
      if (!fromUri || uriUserDecoded(fromUri) !== username) {
        tx.respond(makeResponse(req, 403, 'Forbidden - From Does Not Match The Authenticated Extension'));
        return;
      }
      if (req.method === 'SUBSCRIBE' && this.d.events?.takesSubscribe(req)) {
        this.d.events.handleSubscribe(tx, username);
        return;
      }
      this.consumeCredentials(req);
      this.d.proxy.handleRequest(tx);
    });
  }

  private authenticated(tx: ServerTransaction, proxy: boolean, next: (username: string) => void): void {
    const outcome = this.d.authenticator.authenticate(tx.request, proxy);
    if (outcome.ok) {
      this.d.guard.recordSuccess(tx.flow.remoteAddress);
      next(outcome.username);
      return;
    }
    const res = makeResponse(tx.request, outcome.status, outcome.reason, [
      ...outcome.headers,
      { name: 'Server', value: this.d.userAgent },
    ]);
    if (!outcome.failed) {
      // The challenge keeps its transaction (§17.2.2): a retransmitted request gets the very same 401/407.
      // Answered statelessly, a retransmission got a fresh challenge with another To tag and nonce, which
      // §8.2.7 forbids for the tag, and which a client that already answered the first challenge can take
      // for the answer to its authenticated request: under load sipp aborted such registrations (and its
      // abort, a BYE addressed to us, came back as 482).
      tx.respond(res);
      return;
    }
    this.stats.authFailures++;
    const delay = this.d.guard.recordFailure(tx.flow.remoteAddress);
    if (delay < 0) {
      this.d.log.warn('source blocked after repeated authentication failures', {
        source: flowSource(tx.flow),
      });
      tx.terminate();
      return;
    }
    this.d.log.info('authentication failed', {
      source: flowSource(tx.flow),
      method: tx.request.method,
      callId: tx.request.headers.get('Call-ID'),
    });
    if (delay === 0) tx.respond(res);
    else setTimeout(() => tx.respond(res), delay).unref();
  }

  /** §22.3: a proxy removes the credentials meant for its own realm before forwarding. */
  private consumeCredentials(req: SipRequest): void {
    req.headers.remove('Proxy-Authorization');
  }

  private unsupported(req: SipRequest, headers: string[]): string[] {
    const out: string[] = [];
    for (const h of headers)
      for (const v of req.headers.getAll(h))
        for (const tag of v.split(',')) {
          const t = tag.trim();
          if (t && !SUPPORTED.has(t.toLowerCase())) out.push(t);
        }
    return out;
  }

  receiveAck(ack: SipRequest, flow: Flow): void {
    if (this.d.guard.isBlocked(flow.remoteAddress)) return;
    this.d.proxy.handleAck(ack, flow);
  }

  receiveStrayResponse(res: SipResponse): void {
    this.d.proxy.handleStrayResponse(res);
  }
}
