import crypto from 'node:crypto';
import type { Logger } from '../../log/index.js';
import type { LocalAddresses } from '../core/local-addresses.js';
import { makeResponse } from '../core/make-response.js';
import { parseNameAddr } from '../message/name-addr.js';
import { cloneRequest, type SipRequest, type SipResponse } from '../message/sip-message.js';
import { parseUri, uriUserDecoded } from '../message/uri.js';
import { parseVia } from '../message/via.js';
import type { LocationService } from '../location/location-service.js';
import type { DialPlan, VoicemailDiversion } from '../routing/dial-plan.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { MAGIC_COOKIE } from '../transaction/transaction-key.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import { flowSource, type Flow } from '../transport/flow.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import { responseTarget } from '../transport/transport-layer.js';
import { FlowTokens, sameFlow } from './flow-token.js';
import { nextHopDeps, resolveNextHop, type NextHopDeps } from './next-hop.js';
import {
  SupplementChain,
  SupplementRejection,
  type ProxiedRequestContext,
  type ProxySupplement,
} from './proxy-supplement.js';
import { ResponseContext, type Exhausted } from './response-context.js';
import { randomToken } from '../core/random-pool.js';

/** Methods that create a dialog through us: we Record-Route them so in-dialog requests keep coming here. */
const RECORD_ROUTED = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export interface ProxyDeps {
  transactions: TransactionLayer;
  transport: TransportLayer;
  location: LocationService;
  dialPlan: DialPlan;
  local: LocalAddresses;
  log: Logger;
  /** Behaviour hooked into forwarding (media anchoring, call tracking), run in this order. */
  supplements?: ProxySupplement[];
}

interface Target {
  uri: string;
  flow: Flow;
  /** Added to this branch's request only (e.g. Diversion). */
  headers?: Array<{ name: string; value: string }>;
}

/** RFC 5806 diversion reasons the proxy gives when a call goes to voicemail. */
export type DiversionReason = 'no-answer' | 'user-busy' | 'unavailable' | 'unconditional';

/** Statuses that mean the person declined the call (busy, or the phone's reject key). */
const BUSY = new Set([486, 600, 603]);
/** Statuses that mean no phone could ring: unreachable, unregistered in the meantime, switched off. */
const UNAVAILABLE = new Set([404, 408, 410, 480, 500, 503, 504]);

/**
 * A stateful forking proxy core (RFC 3261 §16). It receives requests that already passed validation and
 * authentication, decides targets (route set, or the dial plan and the location service), forwards on one
 * client transaction per target, and returns the best response through the response context.
 */
export class ProxyCore {
  private readonly hop: NextHopDeps;
  private readonly tokens = new FlowTokens();
  private readonly chain: SupplementChain;

  constructor(private readonly d: ProxyDeps) {
    this.hop = nextHopDeps(d.location, d.transport);
    this.chain = new SupplementChain(d.supplements ?? []);
  }

  /** Any request other than ACK and CANCEL. */
  handleRequest(tx: ServerTransaction): void {
    const req = tx.request;
    const callId = req.headers.get('Call-ID');
    const routed = this.preprocessRoutes(req);
    if (req.method === 'INVITE') tx.respond(makeResponse(req, 100, 'Trying'));
    const reject = (status: number, reason: string): void => this.reject(tx, status, reason, routed.inDialog);

    if (routed.nextHop !== undefined) {
      if (routed.inDialog && !routed.viaRoute && this.addressedToUs(req.uri)) {
        // An in-dialog request with no Route left whose target is this server: we hold no dialogs as a UA,
        // so there is none it can belong to. Forwarding it would only send it back to ourselves (482).
        reject(481, 'Call/Transaction Does Not Exist');
        return;
      }
      // In-dialog (or pre-routed) request: the route set decides (§16.5 — the target is the Request-URI).
      const flow = this.nextHopFlow({ ...routed, nextHop: routed.nextHop }, tx.flow);
      if (!flow) {
        reject(
          routed.inDialog ? 481 : 404,
          routed.inDialog ? 'Call/Transaction Does Not Exist' : 'Not Found - Next Hop Unknown',
        );
        return;
      }
      this.dispatch(tx, [{ uri: req.uri, flow }], false, routed.inDialog);
      return;
    }

    const ruri = parseUri(req.uri);
    if (!ruri || (ruri.scheme !== 'sip' && ruri.scheme !== 'sips' && ruri.scheme !== 'tel')) {
      reject(416, 'Unsupported URI Scheme');
      return;
    }
    const dialled = (ruri.scheme === 'tel' ? ruri.host : uriUserDecoded(ruri)) ?? '';
    const decision = this.d.dialPlan.route(dialled, this.callerOf(req));
    if (decision.kind === 'reject') {
      reject(decision.status, decision.reason);
      return;
    }
    if (decision.kind === 'application') {
      // A media application (voicemail, the mailbox menu, the auto-attendant): a SIP target by URI.
      const flow = resolveNextHop(decision.uri, this.hop);
      if (!flow) {
        reject(503, 'Service Unavailable');
        return;
      }
      const direct = decision.voicemail && req.method === 'INVITE';
      this.dispatch(tx, [{ uri: decision.uri, flow }], RECORD_ROUTED.has(req.method), false, (_ctx, sctx) => {
        if (direct) this.chain.diverted(req, sctx, { service: 'voicemail', reason: 'unconditional' });
      });
      return;
    }
    const voicemail = req.method === 'INVITE' ? decision.voicemail : undefined;
    const bindings = this.d.location.lookup(decision.extension);
    const targets: Array<{ uri: string; flow: Flow }> = [];
    for (const b of bindings) {
      const flow = this.d.transport.connectionOpen(b.flow) ? b.flow : resolveNextHop(b.contact, this.hop);
      if (flow) targets.push({ uri: b.contact, flow });
    }
    if (targets.length === 0) {
      const vm = voicemail?.settings.onUnavailable
        ? this.voicemailTarget(voicemail, 'unavailable')
        : undefined;
      if (vm) {
        this.dispatch(tx, [vm], true, false, (_ctx, sctx) =>
          this.chain.diverted(req, sctx, { service: 'voicemail', reason: 'unavailable' }),
        );
        return;
      }
      reject(480, 'Temporarily Unavailable - No Phone Registered');
      return;
    }
    this.dispatch(
      tx,
      targets,
      RECORD_ROUTED.has(req.method),
      false,
      voicemail ? (ctx, sctx) => this.armVoicemail(ctx, sctx, voicemail, tx.flow) : undefined,
    );
    if (this.d.log.enabled('debug'))
      this.d.log.debug('forked', { callId, extension: decision.extension, branches: targets.length });
  }

  /** The authenticated caller of an out-of-dialog request: SipServer made sure the From user is it. */
  private callerOf(req: SipRequest): string | undefined {
    const from = req.headers.from();
    const uri = from ? parseUri(from.uri) : null;
    return uri ? uriUserDecoded(uri) : undefined;
  }

  /**
   * Voicemail as the next place to try (serial forking, RFC 3261 §16.6 "in sequence"): after the ring
   * time every phone is cancelled; when every branch has failed — no answer, busy, unreachable, as the
   * user's settings allow — the call goes on to the voicemail application instead of failing.
   */
  private armVoicemail(
    ctx: ResponseContext,
    sctx: ProxiedRequestContext,
    vm: VoicemailDiversion,
    inbound: Flow,
  ): void {
    const s = vm.settings;
    if (s.onNoAnswer) ctx.startRingTimer(s.ringSeconds * 1000);
    ctx.onExhausted = (why: Exhausted): boolean => {
      const reason = diversionReason(why, s);
      if (!reason) return false;
      const target = this.voicemailTarget(vm, reason);
      if (!target) return false;
      const req = ctx.server.request;
      ctx.addBranch(
        this.prepareForward(req, target.uri, target.flow, inbound, true, undefined, target.headers),
        target.flow,
      );
      this.chain.diverted(req, sctx, { service: 'voicemail', reason });
      if (this.d.log.enabled('debug'))
        this.d.log.debug('to voicemail', { callId: req.headers.get('Call-ID'), mailbox: vm.mailbox, reason });
      return true;
    };
  }

  private voicemailTarget(vm: VoicemailDiversion, reason: DiversionReason): Target | undefined {
    const flow = resolveNextHop(vm.uri, this.hop);
    if (!flow) {
      this.d.log.warn('voicemail is not reachable', { uri: vm.uri });
      return undefined;
    }
    const host = this.d.local.sentBy('UDP');
    return {
      uri: vm.uri,
      flow,
      headers: [{ name: 'Diversion', value: `<sip:${vm.mailbox}@${host}>;reason=${reason};counter=1` }],
    };
  }

  /** A final answer the proxy gives itself; supplements hear of it (a failed call attempt is still a call). */
  private reject(tx: ServerTransaction, status: number, reason: string, inDialog: boolean): void {
    const res = makeResponse(tx.request, status, reason);
    if (!this.chain.empty) this.chain.localResponse(res, tx.request, { source: tx.flow, inDialog });
    tx.respond(res);
  }

  /**
   * Forwards to the targets on one response context, after the supplements have seen the request (they
   * may rewrite it once for all branches, or refuse it).
   */
  private dispatch(
    tx: ServerTransaction,
    targets: Target[],
    recordRoute: boolean,
    inDialog: boolean,
    setup?: (ctx: ResponseContext, sctx: ProxiedRequestContext) => void,
  ): void {
    const req = tx.request;
    const ctx = new ResponseContext(tx, this.d.transactions, this.d.log);
    const sctx = { source: tx.flow, inDialog };
    const start = (): void => {
      setup?.(ctx, sctx);
      for (const t of targets)
        ctx.addBranch(
          this.prepareForward(req, t.uri, t.flow, tx.flow, recordRoute, undefined, t.headers),
          t.flow,
        );
    };
    if (this.chain.empty) {
      tx.onCancel = () => ctx.cancel();
      start();
      return;
    }
    ctx.onForward = (res) => this.chain.response(res, req, sctx);
    let started = false;
    let cancelledEarly = false;
    tx.onCancel = () => {
      if (started) ctx.cancel();
      else cancelledEarly = true;
    };
    this.chain.request(req, sctx).then(
      () => {
        started = true;
        if (!cancelledEarly) {
          start();
          return;
        }
        // Cancelled while the supplements worked: nothing was forwarded; the caller still hears of it
        // through the supplements (a call record, released media).
        const res = makeResponse(req, 487, 'Request Terminated');
        void this.chain.response(res, req, sctx).finally(() => tx.respond(res));
      },
      (err: unknown) => {
        const res =
          err instanceof SupplementRejection
            ? makeResponse(req, err.status, err.reason)
            : makeResponse(req, 500, 'Server Internal Error');
        if (!(err instanceof SupplementRejection))
          this.d.log.error('supplement failed on a request', { callId: req.headers.get('Call-ID'), err });
        void this.chain
          .response(res, req, sctx)
          .catch(() => undefined)
          .finally(() => tx.respond(res));
      },
    );
  }

  /** CANCEL (§16.10): answer it, then cancel the matching INVITE's branches. */
  handleCancel(tx: ServerTransaction, invite: ServerTransaction | undefined): void {
    if (!invite) {
      tx.respond(makeResponse(tx.request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    tx.respond(makeResponse(tx.request, 200, 'OK'));
    if (invite.isFinal) return;
    if (invite.onCancel) invite.onCancel(tx.request);
    else invite.respond(makeResponse(invite.request, 487, 'Request Terminated'));
  }

  /** An ACK for a 2xx travels end to end: forwarded statelessly along the route set (§16.11). */
  handleAck(ack: SipRequest, source: Flow): void {
    const routed = this.preprocessRoutes(ack);
    const flow = this.nextHopFlow({ ...routed, nextHop: routed.nextHop ?? ack.uri }, source);
    if (!flow) {
      this.d.log.debug('ACK with no next hop dropped', {
        callId: ack.headers.get('Call-ID'),
        from: flowSource(source),
      });
      return;
    }
    const out = this.prepareForward(ack, ack.uri, flow, source, false, statelessBranch(ack));
    if (this.chain.empty) {
      void this.d.transport.send(out, flow);
      return;
    }
    this.chain.ack(out, { source, inDialog: true }).then(
      () => void this.d.transport.send(out, flow),
      (err: unknown) => {
        this.d.log.error('supplement failed on an ACK; forwarding it unchanged', {
          callId: ack.headers.get('Call-ID'),
          err,
        });
        void this.d.transport.send(out, flow);
      },
    );
  }

  /**
   * A response matching no client transaction: a 2xx retransmission after the transaction ended goes on
   * statelessly to the next Via (§16.11, RFC 6026); anything else is dropped (§16.7 step 1).
   */
  handleStrayResponse(res: SipResponse): void {
    const vias = res.headers.getAll('Via');
    const top = vias[0] !== undefined ? parseVia(vias[0]) : null;
    if (!top || vias.length < 2) return;
    if (!this.d.local.isLocalHost(top.host)) return;
    if (res.status < 200 || res.status >= 300) return;
    const headers = res.headers.clone();
    headers.shift('Via');
    const out: SipResponse = { ...res, headers };
    const next = parseVia(vias[1]!);
    if (!next) return;
    const transport = this.d.transport.get((next.transport as Flow['transport']) ?? 'UDP');
    if (!transport) return;
    const flow = responseTarget(out, {
      transport: transport.protocol,
      remoteAddress: '',
      remotePort: 0,
      localAddress: transport.local.address,
      localPort: transport.local.port,
    });
    void this.d.transport.send(out, flow);
  }

  private addressedToUs(uri: string): boolean {
    const u = parseUri(uri);
    return u !== null && this.d.local.isUs(u);
  }

  /**
   * §16.4 route information preprocessing: strip our own Route entries (two of them when we double
   * record-routed), and repair a request from a strict router.
   */
  private preprocessRoutes(req: SipRequest): RoutedRequest {
    const ruri = parseUri(req.uri);
    let flows: [Flow, Flow] | undefined;
    if (
      ruri &&
      this.d.local.isUs(ruri) &&
      ruri.params.has('lr') === false &&
      req.headers.has('Route') &&
      (ruri.user === undefined || (flows = this.tokens.decode(ruri.user)) !== undefined)
    ) {
      // The previous hop was a strict router: the last Route value is the real Request-URI.
      const routes = req.headers.getAll('Route');
      const last = routes[routes.length - 1]!;
      const na = parseNameAddr(last);
      if (na) {
        req.uri = na.uri;
        req.headers.remove('Route');
        for (const r of routes.slice(0, -1)) req.headers.append('Route', r);
      }
    }
    for (;;) {
      const top = req.headers.getAll('Route')[0];
      if (top === undefined) break;
      const na = parseNameAddr(top);
      const uri = na ? parseUri(na.uri) : null;
      if (!uri || !this.d.local.isUs(uri)) break;
      if (uri.user !== undefined) flows ??= this.tokens.decode(uri.user);
      req.headers.shift('Route');
    }
    const inDialog =
      (parseNameAddr(req.headers.get('To') ?? '')?.params.get('tag') ?? undefined) !== undefined;
    const next = req.headers.getAll('Route')[0];
    if (next !== undefined) return { nextHop: parseNameAddr(next)?.uri, inDialog, viaRoute: true, flows };
    if (inDialog) return { nextHop: req.uri, inDialog, viaRoute: false, flows };
    return { nextHop: undefined, inDialog, viaRoute: false, flows };
  }

  /**
   * Where an in-dialog request goes. With a further Route, to it. Otherwise to the other end of the
   * dialog as our flow token recorded it (the request came in on one end's flow), while that flow is
   * usable; else to the Request-URI (a registered contact's flow, or the URI itself).
   */
  private nextHopFlow(routed: RoutedRequest & { nextHop: string }, source: Flow): Flow | undefined {
    if (!routed.viaRoute && routed.flows) {
      const [a, b] = routed.flows;
      const other = sameFlow(a, source) ? b : sameFlow(b, source) ? a : undefined;
      if (other && this.d.transport.connectionOpen(other)) return other;
    }
    return resolveNextHop(routed.nextHop, this.hop);
  }

  /** §16.6: copy, set the target, decrement Max-Forwards, Record-Route, push our Via. */
  private prepareForward(
    req: SipRequest,
    target: string,
    out: Flow,
    inbound: Flow,
    recordRoute: boolean,
    branch?: string,
    extraHeaders?: ReadonlyArray<{ name: string; value: string }>,
  ): SipRequest {
    const fwd = cloneRequest(req);
    fwd.uri = target;
    for (const h of extraHeaders ?? []) fwd.headers.append(h.name, h.value);
    const mf = fwd.headers.get('Max-Forwards');
    fwd.headers.set('Max-Forwards', String(mf !== undefined ? Math.max(0, Number(mf) - 1) : 70));
    if (recordRoute) {
      // RFC 5658 double record-routing when the two sides use different transports: the top entry faces
      // the callee, the second faces the caller. Both carry the flow token of the dialog's two ends.
      const token = this.tokens.encode(inbound, out);
      if (out.transport !== inbound.transport) {
        fwd.headers.prepend('Record-Route', this.d.local.recordRoute(inbound.transport, token));
        fwd.headers.prepend('Record-Route', this.d.local.recordRoute(out.transport, token));
      } else {
        fwd.headers.prepend('Record-Route', this.d.local.recordRoute(out.transport, token));
      }
    }
    const via = `SIP/2.0/${out.transport} ${this.d.local.sentBy(out.transport)};branch=${branch ?? this.branchFor(req)};rport`;
    fwd.headers.prepend('Via', via);
    return fwd;
  }

  /** §16.6 step 8: a branch whose first part hashes the request state, for loop detection. */
  private branchFor(req: SipRequest): string {
    return `${MAGIC_COOKIE}-${loopHash(req)}.${randomToken(6)}`;
  }

  /**
   * §16.3 step 4: loop detection. A request carrying one of our Vias whose branch was computed from the same
   * request state has looped; a changed Request-URI is a spiral and goes on. Checked before authentication:
   * a looped request carries no credentials (we consumed them) and must not be challenged.
   */
  isLoop(req: SipRequest): boolean {
    // Every Via counts, the top one too: a request we sent straight back to ourselves carries ours on top.
    const mine = req.headers
      .getAll('Via')
      .map((v, i) => (i === 0 ? req.headers.topVia() : parseVia(v)))
      .filter((v) => v && this.d.local.isOurSentBy(v.host, v.port));
    if (mine.length === 0) return false;
    const hash = loopHash(req);
    return mine.some((v) => (v!.params.get('branch') ?? '').startsWith(`${MAGIC_COOKIE}-${hash}.`));
  }
}

/** Whether (and why) a failed call to an extension goes on to its voicemail. */
function diversionReason(why: Exhausted, s: VoicemailDiversion['settings']): DiversionReason | undefined {
  if (why.ringTimedOut) return s.onNoAnswer ? 'no-answer' : undefined;
  const status = why.best?.status ?? 408;
  if (BUSY.has(status)) return s.onBusy ? 'user-busy' : undefined;
  if (status === 408 && why.rang) return s.onNoAnswer ? 'no-answer' : undefined; // rang until it gave up
  if (UNAVAILABLE.has(status)) return s.onUnavailable ? 'unavailable' : undefined;
  return undefined;
}

/**
 * The fields RFC 3261 §16.6 step 8 names: To tag, From tag, Call-ID, Request-URI, CSeq number — without the
 * top Via, which differs on every arrival of a looping request (the element that sent it back put it there).
 */
function loopHash(req: SipRequest): string {
  const h = crypto.createHash('sha1');
  h.update(req.uri);
  h.update('|' + (req.headers.to()?.params.get('tag') ?? ''));
  h.update('|' + (req.headers.from()?.params.get('tag') ?? ''));
  h.update('|' + (req.headers.get('Call-ID') ?? ''));
  h.update('|' + (req.headers.get('CSeq') ?? '').trim().split(/\s+/)[0]);
  return h.digest('base64url').slice(0, 12);
}

/** ACKs forwarded statelessly get a branch derived from the incoming one, so retransmissions match (§16.11). */
function statelessBranch(ack: SipRequest): string {
  const top = ack.headers.getAll('Via')[0] ?? '';
  return MAGIC_COOKIE + 'sl' + crypto.createHash('sha1').update(top).digest('base64url').slice(0, 16);
}

interface RoutedRequest {
  /** The next hop's URI: the next Route, or for an in-dialog request the Request-URI. */
  nextHop: string | undefined;
  inDialog: boolean;
  /** True when `nextHop` is a Route entry (a proxy beyond us), not the far end itself. */
  viaRoute: boolean;
  /** The dialog's two flows, from our own Record-Route entry. */
  flows: [Flow, Flow] | undefined;
}
