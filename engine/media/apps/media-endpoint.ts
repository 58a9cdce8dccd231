import type { Logger } from '../../log/index.js';
import { makeResponse } from '../../sip/core/make-response.js';
import { tagOf } from '../../sip/message/name-addr.js';
import type { SipRequest, SipResponse } from '../../sip/message/sip-message.js';
import { parseUri, uriUserDecoded } from '../../sip/message/uri.js';
import type { ServerTransaction } from '../../sip/transaction/server-transaction.js';
import { TransactionLayer, type TransactionLayerUser } from '../../sip/transaction/transaction-layer.js';
import type { Flow } from '../../sip/transport/flow.js';
import { TransportLayer } from '../../sip/transport/transport-layer.js';
import { UdpTransport } from '../../sip/transport/udp-transport.js';
import { PortPool } from '../relay/port-pool.js';
import { RtpSession } from '../rtp/rtp-session.js';
import { AppCall, CallEndedError, type AppCallInfo } from './app-call.js';
import type { PromptLibrary } from './prompt-library.js';
import { answerOffer, SdpNegotiationError } from './session-description.js';
import { UasCall } from './uas-call.js';

/** A media application: a script run for each call routed to its name. */
export type MediaApplication = (call: AppCall) => Promise<void> | void;

export interface MediaEndpointOptions {
  /** Address to listen on (SIP and RTP). */
  bind: string;
  /** Address written into Via, Contact and SDP. */
  advertise: string;
  /** The endpoint's own SIP port (UDP). 0 picks a free one. */
  sipPort: number;
  rtpPortMin: number;
  rtpPortMax: number;
  prompts: PromptLibrary;
  log: Logger;
  userAgent: string;
  /**
   * Who may start calls: e.g. only the proxy (its own address and port), so that nobody on the LAN can
   * leave a message in any box by calling `voicemail+201` directly. Refused INVITEs get 403. Default: all.
   */
  acceptFrom?: (flow: Flow) => boolean;
  /** Logs every SIP message (category of `traceLog`). */
  sipTrace?: boolean;
  traceLog?: Logger;
}

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, NOTIFY';

/**
 * The media applications' SIP user agent (sipXecs-style): a UAS of its own, on its own UDP port, with its
 * own transport and transaction layers. The proxy reaches an application as any other SIP target, by URI —
 * `sip:voicemail@<advertise>:<port>` runs the application registered as "voicemail", and
 * `sip:voicemail+201@…` runs it with the argument "201" — and the endpoint never reaches into the proxy.
 *
 * Each call gets a port pair from its RTP range, answers with PCMU or PCMA (+ telephone-event), and runs
 * the application's script; when the script returns the call is hung up.
 */
export class MediaEndpoint implements TransactionLayerUser {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  private readonly udp: UdpTransport;
  private readonly pool: PortPool;
  private readonly apps = new Map<string, MediaApplication>();
  private readonly calls = new Map<string, UasCall>();
  private stopping = false;

  constructor(private readonly opts: MediaEndpointOptions) {
    this.transport = new TransportLayer(opts.traceLog ?? opts.log, opts.sipTrace ?? false);
    this.udp = new UdpTransport(this.transport);
    this.transport.add(this.udp);
    this.transactions = new TransactionLayer(this.transport, opts.log);
    this.transactions.user = this;
    this.pool = new PortPool(opts.rtpPortMin, opts.rtpPortMax);
  }

  /** Runs `app` for calls whose Request-URI user part is `service` (or `service+argument`). */
  addApplication(service: string, app: MediaApplication): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(service)) throw new Error(`invalid application name "${service}"`);
    this.apps.set(service.toLowerCase(), app);
  }

  async start(): Promise<void> {
    await this.udp.listen(this.opts.bind, this.opts.sipPort);
    this.opts.log.info('media applications listening', {
      sip: `${this.opts.bind}:${this.port} (udp)`,
      rtp: `${this.opts.rtpPortMin}-${this.opts.rtpPortMax}`,
      applications: [...this.apps.keys()],
    });
  }

  get port(): number {
    return this.udp.local.port;
  }

  get listening(): boolean {
    return this.udp.local.port !== 0;
  }

  /** The URI the proxy routes to for an application. */
  uri(service: string, argument?: string): string {
    const user = argument ? `${service}+${argument}` : service;
    return `sip:${user}@${this.opts.advertise}:${this.port}`;
  }

  get callsInProgress(): number {
    return this.calls.size;
  }

  /** RTP port pairs in use. */
  get rtpPortsInUse(): number {
    return this.pool.used;
  }

  /** Hangs up every call (BYE, or 503 to unanswered ones) and closes the socket. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of [...this.calls.values()]) c.terminate();
    this.transactions.shutdown();
    await new Promise((r) => setTimeout(r, 50)); // let the BYEs and 503s leave
    await this.transport.close();
  }

  // ── TransactionLayerUser ─────────────────────────────────────────────────────────────────────────

  receiveRequest(tx: ServerTransaction): void {
    const req = tx.request;
    try {
      this.dispatch(tx, req);
    } catch (err) {
      this.opts.log.error('request handling failed', { method: req.method, err });
      if (!tx.isFinal) tx.respond(makeResponse(req, 500, 'Server Internal Error'));
    }
  }

  receiveAck(ack: SipRequest): void {
    this.calls.get(ack.headers.get('Call-ID') ?? '')?.receiveAck(ack);
  }

  receiveStrayResponse(_res: SipResponse, _flow: Flow): void {
    /* a late retransmission of a response to our BYE: nothing to do */
  }

  // ── dispatch ─────────────────────────────────────────────────────────────────────────────────────

  private dispatch(tx: ServerTransaction, req: SipRequest): void {
    if (req.method === 'CANCEL') {
      const invite = this.transactions.findInviteForCancel(req);
      if (!invite) {
        tx.respond(makeResponse(req, 481, 'Call/Transaction Does Not Exist'));
        return;
      }
      tx.respond(makeResponse(req, 200, 'OK'));
      invite.onCancel?.(req);
      return;
    }
    const callId = req.headers.get('Call-ID') ?? '';
    const toTag = tagOf(req.headers.get('To') ?? '');
    if (toTag !== undefined) {
      const call = this.calls.get(callId);
      if (!call || call.localTag !== toTag) {
        tx.respond(makeResponse(req, 481, 'Call/Transaction Does Not Exist'));
        return;
      }
      call.receiveInDialog(tx);
      return;
    }
    if (req.method === 'OPTIONS') {
      tx.respond(
        makeResponse(req, 200, 'OK', [
          { name: 'Allow', value: ALLOW },
          { name: 'Accept', value: 'application/sdp, application/dtmf-relay, application/dtmf' },
          { name: 'Server', value: this.opts.userAgent },
        ]),
      );
      return;
    }
    if (req.method !== 'INVITE') {
      const status = req.method === 'BYE' || req.method === 'INFO' ? 481 : 405;
      tx.respond(
        makeResponse(req, status, undefined, status === 405 ? [{ name: 'Allow', value: ALLOW }] : []),
      );
      return;
    }
    void this.newCall(tx, req, callId);
  }

  private async newCall(tx: ServerTransaction, req: SipRequest, callId: string): Promise<void> {
    const log = this.opts.log;
    if (this.stopping) {
      tx.respond(makeResponse(req, 503, 'Service Unavailable - Shutting Down'));
      return;
    }
    if (this.opts.acceptFrom && !this.opts.acceptFrom(tx.flow)) {
      tx.respond(makeResponse(req, 403, 'Forbidden'));
      return;
    }
    if (this.calls.has(callId)) {
      // The same call reaching us by a second path (§8.2.2.2 merged request).
      tx.respond(makeResponse(req, 482, 'Loop Detected'));
      return;
    }
    const ruri = parseUri(req.uri);
    const user = ruri ? (uriUserDecoded(ruri) ?? '') : '';
    const plus = user.indexOf('+');
    const service = (plus >= 0 ? user.slice(0, plus) : user).toLowerCase();
    const app = this.apps.get(service);
    if (!app) {
      tx.respond(makeResponse(req, 404, 'Not Found'));
      return;
    }
    let offer: ReturnType<typeof answerOffer> | undefined;
    if (req.body.length > 0) {
      try {
        offer = answerOffer(req.body.toString('utf8'));
      } catch (err) {
        if (!(err instanceof SdpNegotiationError)) throw err;
        tx.respond(
          makeResponse(req, 488, 'Not Acceptable Here', [
            { name: 'Warning', value: `399 officepbx "${err.message}"` },
          ]),
        );
        return;
      }
    }
    tx.respond(makeResponse(req, 100, 'Trying'));
    // A CANCEL may arrive while the ports are being bound, before the call exists to hear it.
    tx.onCancel = () => {
      if (!tx.isFinal) tx.respond(makeResponse(req, 487, 'Request Terminated'));
    };
    const rtp = await RtpSession.open(this.pool, this.opts.bind);
    if (!rtp) {
      log.warn('no free RTP port pair for a media application', { callId, service });
      if (!tx.isFinal) tx.respond(makeResponse(req, 503, 'Service Unavailable - No Media Ports'));
      return;
    }
    if (tx.isFinal || this.stopping) {
      rtp.close();
      if (!tx.isFinal) tx.respond(makeResponse(req, 503, 'Service Unavailable - Shutting Down'));
      return;
    }
    const uas = new UasCall(
      {
        transactions: this.transactions,
        advertise: this.opts.advertise,
        sipPort: this.port,
        localFlowAddress: this.udp.local.address,
        userAgent: this.opts.userAgent,
        allow: ALLOW,
        log,
        onClosed: (c) => {
          if (this.calls.get(c.callId) === c) this.calls.delete(c.callId);
        },
      },
      tx,
      rtp,
      offer,
      `<sip:${user || service}@${this.opts.advertise}:${this.port}>`,
    );
    this.calls.set(callId, uas);
    const from = req.headers.get('From') ?? '';
    const fromUri = from ? parseUri(/<([^>]*)>/.exec(from)?.[1] ?? from.split(';')[0]!) : null;
    const info: AppCallInfo = {
      callId,
      service,
      argument: plus >= 0 ? user.slice(plus + 1) : '',
      requestUri: req.uri,
      from,
      caller: fromUri ? (uriUserDecoded(fromUri) ?? '') : '',
      callerName: /^\s*"([^"]*)"/.exec(from)?.[1],
      to: req.headers.get('To') ?? '',
      header: (name) => req.headers.get(name),
    };
    const call = new AppCall(info, uas, this.opts.prompts, log);
    uas.app = call;
    log.info('media application call', { callId, service, argument: info.argument, caller: info.caller });
    try {
      await app(call);
    } catch (err) {
      if (!(err instanceof CallEndedError)) log.error('media application failed', { callId, service, err });
    } finally {
      await call.hangup();
    }
  }
}
