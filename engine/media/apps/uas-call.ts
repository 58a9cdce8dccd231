import net from 'node:net';
import type { Logger } from '../../log/index.js';
import { makeResponse, newTag } from '../../sip/core/make-response.js';
import { parseCSeq } from '../../sip/message/cseq.js';
import { parseNameAddr } from '../../sip/message/name-addr.js';
import {
  createRequest,
  type HeaderEntry,
  type SipRequest,
  type SipResponse,
} from '../../sip/message/sip-message.js';
import { parseUri } from '../../sip/message/uri.js';
import type { ServerTransaction } from '../../sip/transaction/server-transaction.js';
import { T1, T2, TIMEOUT_64T1 } from '../../sip/transaction/timers.js';
import { newBranch, type TransactionLayer } from '../../sip/transaction/transaction-layer.js';
import type { Flow } from '../../sip/transport/flow.js';
import type { RtpSession } from '../rtp/rtp-session.js';
import { CallEndedError, type AppCall, type CallSignalling } from './app-call.js';
import { CallMedia } from './call-media.js';
import {
  answerOffer,
  formatSdp,
  offerFormats,
  OFFER_TELEPHONE_EVENT,
  readAnswer,
  SdpNegotiationError,
  type LocalDescription,
  type NegotiatedAudio,
} from './session-description.js';

/** What a call needs from its endpoint. */
export interface UasCallContext {
  transactions: TransactionLayer;
  /** Address and port written into Via, Contact and SDP. */
  advertise: string;
  sipPort: number;
  localFlowAddress: string;
  userAgent: string;
  allow: string;
  log: Logger;
  /** Told when the dialog is over, so the endpoint forgets it. */
  onClosed(call: UasCall): void;
}

type Offer = ReturnType<typeof answerOffer>;

/** Requests that establish or refresh the remote target, so they carry a Contact. */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'REFER', 'SUBSCRIBE']);

/**
 * The SIP side of one application call: a UAS dialog (RFC 3261 §12–§15). It answers the INVITE with SDP
 * (the offer's, or ours for a late offer answered in the ACK), retransmits the 2xx until the ACK comes
 * (§13.3.1.4), takes re-INVITEs (hold, resume, a new address), INFO digits, BYE and CANCEL, and sends BYE
 * or other in-dialog requests along the route set.
 */
export class UasCall implements CallSignalling {
  readonly localTag = newTag();
  readonly callId: string;
  app: AppCall | undefined;
  private media: CallMedia | undefined;
  private local: LocalDescription | undefined;
  private readonly sessionId = Math.floor(Math.random() * 1e9);
  private readonly routeSet: string[];
  private readonly remoteTarget: string;
  private readonly localUri: string; // our From in requests we send (the INVITE's To with our tag)
  private readonly remoteUri: string; // their From
  private localCSeq = 0;
  private remoteCSeq: number;
  private confirmed = false;
  private closed = false;
  /** 2xx responses waiting for their ACK, by CSeq number. */
  private readonly unacked = new Map<number, { timer: NodeJS.Timeout; onAck: (ack: SipRequest) => void }>();

  constructor(
    private readonly ctx: UasCallContext,
    private readonly invite: ServerTransaction,
    private readonly rtp: RtpSession,
    private readonly offer: Offer | undefined,
    readonly contact: string,
  ) {
    const req = invite.request;
    this.callId = req.headers.get('Call-ID') ?? '';
    this.routeSet = req.headers.getAll('Record-Route');
    const contactValue = req.headers.get('Contact');
    this.remoteTarget = (contactValue && parseNameAddr(contactValue)?.uri) || req.uri;
    this.localUri = `${req.headers.get('To') ?? ''};tag=${this.localTag}`;
    this.remoteUri = req.headers.get('From') ?? '';
    this.remoteCSeq = parseCSeq(req.headers.get('CSeq') ?? '')?.seq ?? 0;
    invite.onCancel = () => this.cancelled();
  }

  get remoteTag(): string | undefined {
    return parseNameAddr(this.remoteUri)?.params.get('tag') ?? undefined;
  }

  get answered(): boolean {
    return this.invite.isFinal;
  }

  // ── CallSignalling (down from the application) ───────────────────────────────────────────────────

  answer(): Promise<CallMedia> {
    if (this.closed) return Promise.reject(new CallEndedError(this.app?.cause ?? 'cancelled'));
    const req = this.invite.request;
    if (this.offer) {
      const audio = this.offer.audio;
      this.local = this.description(audio, [{ payloadType: audio.payloadType, codec: audio.codec }]);
      this.startMedia(audio);
      this.sendOk(this.invite, formatSdp(this.local), parseCSeq(req.headers.get('CSeq') ?? '')?.seq ?? 0);
      return Promise.resolve(this.media!);
    }
    // Late offer (§13.2.1): our offer goes in the 200, the answer comes in the ACK.
    this.local = {
      address: this.ctx.advertise,
      port: this.rtp.localPort,
      sessionId: this.sessionId,
      version: 1,
      formats: offerFormats(),
      telephoneEvent: OFFER_TELEPHONE_EVENT,
      direction: 'sendrecv',
      ptime: 20,
    };
    const cseq = parseCSeq(req.headers.get('CSeq') ?? '')?.seq ?? 0;
    return new Promise((resolve, reject) => {
      this.sendOk(this.invite, formatSdp(this.local!), cseq, (ack) => {
        try {
          this.startMedia(readAnswer(ack.body.toString('utf8')));
          resolve(this.media!);
        } catch (err) {
          this.ctx.log.warn('no usable answer in the ACK: hanging up', { callId: this.callId, err });
          this.hangup();
          this.app?.end('application hung up');
          reject(err instanceof SdpNegotiationError ? new CallEndedError('application hung up') : err);
        }
      });
      this.app?.onHangup((c) => reject(new CallEndedError(c)));
    });
  }

  reject(status: number, reason?: string): void {
    if (this.invite.isFinal) return;
    this.invite.respond(makeResponse(this.invite.request, status, reason, [], this.localTag));
    this.close();
  }

  hangup(): void {
    if (this.closed) return;
    if (!this.invite.isFinal) {
      this.reject(480, 'Temporarily Unavailable');
      return;
    }
    void this.request('BYE').catch(() => undefined);
    this.close();
  }

  /** An in-dialog request along the route set (§12.2.1.1); resolves with the final response. */
  request(method: string, headers: HeaderEntry[] = [], body: Buffer = Buffer.alloc(0)): Promise<SipResponse> {
    const cseq = ++this.localCSeq;
    const req = createRequest(method, this.remoteTarget, [
      {
        name: 'Via',
        value: `SIP/2.0/UDP ${this.ctx.advertise}:${this.ctx.sipPort};branch=${newBranch()};rport`,
      },
      ...this.routeSet.map((r) => ({ name: 'Route', value: r })),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: this.localUri },
      { name: 'To', value: this.remoteUri },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${cseq} ${method}` },
      { name: 'User-Agent', value: this.ctx.userAgent },
      // Target refresh requests carry our Contact (§12.2.1.1; RFC 3515 §2.4.1 for REFER).
      ...(TARGET_REFRESH.has(method) ? [{ name: 'Contact', value: this.contact }] : []),
      ...headers,
    ]);
    req.body = body;
    return new Promise((resolve) => {
      const synth = (status: number, reason: string): SipResponse => makeResponse(req, status, reason);
      try {
        this.ctx.transactions.sendRequest(req, this.nextHop(), {
          receiveResponse: (res) => {
            if (res.status >= 200) resolve(res);
          },
          onRequestTimeout: () => resolve(synth(408, 'Request Timeout')),
          onTransportError: () => resolve(synth(503, 'Service Unavailable')),
        });
      } catch (err) {
        this.ctx.log.warn('could not send in-dialog request', { callId: this.callId, method, err });
        resolve(synth(503, 'Service Unavailable'));
      }
    });
  }

  // ── requests from the caller ─────────────────────────────────────────────────────────────────────

  receiveAck(ack: SipRequest): void {
    const seq = parseCSeq(ack.headers.get('CSeq') ?? '')?.seq;
    const pending = seq !== undefined ? this.unacked.get(seq) : undefined;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.unacked.delete(seq!);
    this.confirmed = true;
    pending.onAck(ack);
  }

  /** An in-dialog request other than ACK and CANCEL. */
  receiveInDialog(tx: ServerTransaction): void {
    const req = tx.request;
    const seq = parseCSeq(req.headers.get('CSeq') ?? '')?.seq ?? 0;
    // §12.2.2: a lower CSeq than the last one is out of order.
    if (seq <= this.remoteCSeq && req.method !== 'BYE') {
      tx.respond(makeResponse(req, 500, 'Server Internal Error - CSeq Out of Order'));
      return;
    }
    this.remoteCSeq = Math.max(this.remoteCSeq, seq);
    switch (req.method) {
      case 'BYE':
        tx.respond(makeResponse(req, 200, 'OK'));
        this.close();
        this.app?.end('caller hung up');
        return;
      case 'INVITE':
        this.reinvite(tx, seq);
        return;
      case 'INFO':
        this.info(tx);
        return;
      case 'NOTIFY':
        // A REFER's progress (RFC 3515 §2.4.4): always accepted, then told to the application.
        tx.respond(makeResponse(req, 200, 'OK', [{ name: 'Allow', value: this.ctx.allow }]));
        this.app?.notified(req);
        return;
      case 'UPDATE':
      case 'OPTIONS':
        // UPDATE without a body refreshes nothing we keep.
        tx.respond(makeResponse(req, 200, 'OK', [{ name: 'Allow', value: this.ctx.allow }]));
        return;
      default:
        tx.respond(makeResponse(req, 405, 'Method Not Allowed', [{ name: 'Allow', value: this.ctx.allow }]));
    }
  }

  /** Hang-up from the endpoint's side (shutdown). */
  terminate(): void {
    if (this.closed) return;
    this.hangup();
    this.app?.end('shutdown');
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────

  private cancelled(): void {
    if (this.invite.isFinal || this.closed) return;
    // §9.2: the CANCEL got its 200 from the endpoint; the INVITE gets 487.
    this.invite.respond(makeResponse(this.invite.request, 487, 'Request Terminated', [], this.localTag));
    this.close();
    this.app?.end('cancelled');
  }

  private description(
    audio: NegotiatedAudio,
    formats: LocalDescription['formats'],
    version = 1,
  ): LocalDescription {
    const d: LocalDescription = {
      address: this.ctx.advertise,
      port: this.rtp.localPort,
      sessionId: this.sessionId,
      version,
      formats,
      telephoneEvent: audio.telephoneEvent,
      direction: audio.direction,
      ptime: audio.ptime,
    };
    if (this.offer) {
      d.offerLines = this.offer.offerLines;
      d.audioIndex = this.offer.audioIndex;
    }
    return d;
  }

  private startMedia(audio: NegotiatedAudio): void {
    this.media = new CallMedia(this.rtp, audio);
    this.media.start();
  }

  /** 2xx with SDP, retransmitted T1, 2T1 … T2 until its ACK, for 64·T1 (§13.3.1.4). */
  private sendOk(
    tx: ServerTransaction,
    sdp: string,
    cseq: number,
    onAck: (ack: SipRequest) => void = () => undefined,
  ): void {
    const extra: HeaderEntry[] = [];
    if (tx === this.invite) for (const rr of this.routeSet) extra.push({ name: 'Record-Route', value: rr });
    extra.push(
      { name: 'Contact', value: this.contact },
      { name: 'Allow', value: this.ctx.allow },
      { name: 'Server', value: this.ctx.userAgent },
      { name: 'Content-Type', value: 'application/sdp' },
    );
    const ok = makeResponse(tx.request, 200, 'OK', extra, this.localTag);
    ok.body = Buffer.from(sdp, 'utf8');
    tx.respond(ok);
    const started = Date.now();
    let interval = T1;
    const retransmit = (): void => {
      if (Date.now() - started >= TIMEOUT_64T1) {
        this.unacked.delete(cseq);
        this.ctx.log.warn('no ACK for our 200: ending the call', { callId: this.callId });
        this.hangup();
        this.app?.end('no ACK');
        return;
      }
      tx.respond(ok);
      interval = Math.min(2 * interval, T2);
      entry.timer = setTimeout(retransmit, interval);
    };
    const entry = { timer: setTimeout(retransmit, interval), onAck };
    this.unacked.set(cseq, entry);
  }

  private reinvite(tx: ServerTransaction, seq: number): void {
    const req = tx.request;
    if (!this.local) {
      tx.respond(makeResponse(req, 491, 'Request Pending')); // §14.2: an offer of ours is outstanding
      return;
    }
    if (req.body.length === 0) {
      // A re-INVITE without an offer: offer what we use now; the answer comes in the ACK.
      this.sendOk(tx, formatSdp({ ...this.local, version: ++this.local.version }), seq, (ack) => {
        if (ack.body.length === 0) return;
        try {
          this.media?.update(readAnswer(ack.body.toString('utf8')));
        } catch (err) {
          this.ctx.log.info('unusable answer in the ACK of a re-INVITE', { callId: this.callId, err });
        }
      });
      return;
    }
    let audio: NegotiatedAudio;
    try {
      audio = answerOffer(req.body.toString('utf8')).audio;
    } catch (err) {
      tx.respond(makeResponse(req, 488, 'Not Acceptable Here', [], this.localTag));
      this.ctx.log.info('re-INVITE refused', { callId: this.callId, err });
      return;
    }
    this.media?.update(audio);
    this.local = {
      ...this.description(
        audio,
        [{ payloadType: audio.payloadType, codec: audio.codec }],
        this.local.version + 1,
      ),
    };
    // The answer mirrors the new offer's m-lines.
    const lines = answerOffer(req.body.toString('utf8'));
    this.local.offerLines = lines.offerLines;
    this.local.audioIndex = lines.audioIndex;
    this.ctx.log.debug('re-INVITE', {
      callId: this.callId,
      direction: audio.direction,
      remote: audio.remote,
    });
    this.sendOk(tx, formatSdp(this.local), seq);
  }

  /** SIP INFO DTMF (the fallback for phones that do not send RFC 4733). */
  private info(tx: ServerTransaction): void {
    const req = tx.request;
    const type = (req.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
    const body = req.body.toString('utf8');
    let digit: string | undefined;
    if (type === 'application/dtmf-relay') {
      // "Signal=5\r\nDuration=160" (Cisco's format, used by most phones).
      digit = /^\s*signal\s*=\s*(\S)/im.exec(body)?.[1];
    } else if (type === 'application/dtmf') {
      digit = /^\s*(\S)/.exec(body)?.[1]; // the digit alone
    }
    tx.respond(makeResponse(req, 200, 'OK'));
    if (digit !== undefined) {
      const d = digit === '10' ? '*' : digit === '11' ? '#' : digit.toUpperCase();
      this.app?.digit(d, 'info');
    }
  }

  /** Where in-dialog requests go: the first Route (loose routing) or, without one, back where the INVITE came from. */
  private nextHop(): Flow {
    const from = this.invite.flow;
    const viaRoute = this.routeSet[0] !== undefined ? parseNameAddr(this.routeSet[0]) : null;
    const uri = viaRoute ? parseUri(viaRoute.uri) : null;
    const host = uri?.host.replace(/^\[|\]$/g, '');
    if (uri && host && net.isIP(host))
      return {
        ...from,
        transport: 'UDP',
        remoteAddress: host,
        remotePort: uri.port ?? 5060,
        connectionId: undefined,
      };
    // Symmetric signalling: a phone behind NAT is reached where its INVITE came from, not at its Contact.
    return { ...from, transport: 'UDP', connectionId: undefined, localAddress: this.ctx.localFlowAddress };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { timer } of this.unacked.values()) clearTimeout(timer);
    this.unacked.clear();
    if (this.media) this.media.close();
    else this.rtp.close();
    this.ctx.onClosed(this);
  }

  get isConfirmed(): boolean {
    return this.confirmed;
  }
}
