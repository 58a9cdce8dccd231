// A scripted SIP phone over a real UDP socket, for end-to-end call tests through the running service:
// registers with digest, places calls (answering the 407), answers incoming ones with 18x/200 and SDP,
// keeps each dialog (route set from Record-Route, remote target, CSeq) for ACK, BYE and re-INVITE, and
// captures every message it sends and receives. It answers OPTIONS keep-alives by itself, and a CANCEL
// with 200 plus 487 for the INVITE it cancels, as a ringing phone does. Its parser is its own, small and
// independent of the engine's. Every wait is bounded.
import dgram from 'node:dgram';
import { challengeParams, digestResponse, randomId } from './raw-sip-client.js';

export const LOOPBACK = '127.0.0.1';

const COMPACT: Record<string, string> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

/** Headers whose comma-separated values are separate entries (RFC 3261 §7.3.1). */
const LIST_HEADERS = new Set(['via', 'route', 'record-route']);

export interface SipMessage {
  direction: 'in' | 'out';
  /** Date.now() when sent or received. */
  at: number;
  isRequest: boolean;
  /** The request's method, or for a response the method of its CSeq. */
  method: string;
  /** Request-URI ('' for responses). */
  uri: string;
  /** Status code (0 for requests). */
  status: number;
  reason: string;
  /** Lower-case full header names, in order. */
  headers: Array<[string, string]>;
  body: string;
  raw: string;
  callId: string;
  cseq: number;
  header(name: string): string | undefined;
  /** Every value of a header; Via, Route and Record-Route lists are split into their entries. */
  headerAll(name: string): string[];
}

/** Splits `a, b` at commas outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== '');
}

export function parseSipMessage(raw: string, direction: 'in' | 'out'): SipMessage | undefined {
  const sep = raw.indexOf('\r\n\r\n');
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : '';
  const lines = head.split('\r\n');
  const first = lines[0] ?? '';
  const res = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  const req = /^([A-Za-z]+) (\S+) SIP\/2\.0$/.exec(first);
  if (!res && !req) return undefined;
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ' ' + line.trim(); // folded continuation
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(i + 1).trim()]);
  }
  const header = (n: string): string | undefined => headers.find(([k]) => k === n.toLowerCase())?.[1];
  const headerAll = (n: string): string[] => {
    const name = n.toLowerCase();
    const values = headers.filter(([k]) => k === name).map(([, v]) => v);
    return LIST_HEADERS.has(name) ? values.flatMap(splitList) : values;
  };
  const cseq = /^(\d+)\s+(\S+)/.exec(header('cseq') ?? '');
  return {
    direction,
    at: Date.now(),
    isRequest: req !== null,
    method: req ? req[1]!.toUpperCase() : (cseq?.[2] ?? '').toUpperCase(),
    uri: req ? req[2]! : '',
    status: res ? Number(res[1]) : 0,
    reason: res ? (res[2] ?? '') : '',
    headers,
    body,
    raw,
    callId: header('call-id') ?? '',
    cseq: Number(cseq?.[1] ?? 0),
    header,
    headerAll,
  };
}

/** The tag parameter of a From/To value (outside the URI's angle brackets). */
export function tagOf(nameAddr: string): string | undefined {
  const outside = nameAddr.replace(/<[^>]*>/, '');
  return /;\s*tag=([^;,\s]+)/i.exec(outside)?.[1];
}

/** The URI of a name-addr (`"x" <sip:a@b>;p` → `sip:a@b`) or of a bare addr-spec. */
export function uriOf(nameAddr: string): string {
  const m = /<([^>]*)>/.exec(nameAddr);
  return (m ? m[1]! : nameAddr.split(';')[0]!).trim();
}

function branchOf(msg: SipMessage): string {
  return /;\s*branch=([^;,\s]+)/i.exec(msg.headerAll('via')[0] ?? '')?.[1] ?? '';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One dialog as one of its ends sees it (RFC 3261 §12): what its in-dialog requests are built from. */
export interface Dialog {
  callId: string;
  /** Our From/To value with our tag (the From of requests we send). */
  local: string;
  /** The other end's value with its tag (the To of requests we send). */
  remote: string;
  /** The other end's Contact URI: the Request-URI of our in-dialog requests. */
  remoteTarget: string;
  /** Route header values, in the order they go into requests. */
  routeSet: string[];
  /** Our last CSeq number in this dialog. */
  localCSeq: number;
}

/** A call this phone placed. */
export class OutgoingCall {
  dialog: Dialog | undefined;
  /** Every response to the INVITE (after the challenge), provisional and final, as received. */
  readonly responses: SipMessage[] = [];

  constructor(
    readonly phone: SipPhone,
    readonly callId: string,
    readonly fromTag: string,
    readonly to: string,
    readonly requestUri: string,
    /** The INVITE as last sent (the authenticated one). */
    readonly invite: SipMessage,
  ) {}

  get cseq(): number {
    return this.invite.cseq;
  }

  /** The next provisional response above 100 (of `status` if given). */
  async provisional(status?: number, ms = 3000): Promise<SipMessage> {
    const r = await this.phone.waitFor(
      `a ${status ?? '1xx'} for ${this.callId}`,
      (m) =>
        !m.isRequest &&
        m.callId === this.callId &&
        m.method === 'INVITE' &&
        m.cseq === this.cseq &&
        m.status > 100 &&
        m.status < 200 &&
        (status === undefined || m.status === status),
      ms,
    );
    this.responses.push(r);
    return r;
  }

  /**
   * The final response. A 2xx sets up the dialog and is acknowledged in it (with `ackBody` as the answer to
   * a late offer, if given); any other final response is acknowledged hop by hop (RFC 3261 §17.1.1.3).
   */
  async final(ms = 3000, ackBody?: string): Promise<SipMessage> {
    const r = await this.phone.waitFor(
      `a final response for ${this.callId}`,
      (m) =>
        !m.isRequest &&
        m.callId === this.callId &&
        m.method === 'INVITE' &&
        m.cseq === this.cseq &&
        m.status >= 200,
      ms,
    );
    this.responses.push(r);
    if (r.status < 300) {
      this.dialog = {
        callId: this.callId,
        local: this.invite.header('from')!,
        remote: r.header('to')!,
        remoteTarget: uriOf(r.header('contact') ?? this.requestUri),
        routeSet: r.headerAll('record-route').reverse(),
        localCSeq: this.cseq,
      };
      this.phone.sendInDialog(this.dialog, 'ACK', { cseq: this.cseq, body: ackBody });
    } else {
      this.phone.sendAckForFailure(this.invite, r);
    }
    return r;
  }

  /** CANCEL (RFC 3261 §9.1): same Request-URI, Call-ID, From, To, CSeq number and Via as the INVITE. */
  cancel(): void {
    const inv = this.invite;
    this.phone.sendRaw(
      [
        `CANCEL ${inv.uri} SIP/2.0`,
        `Via: ${inv.headerAll('via')[0]}`,
        'Max-Forwards: 70',
        `From: ${inv.header('from')}`,
        `To: ${inv.header('to')}`,
        `Call-ID: ${inv.callId}`,
        `CSeq: ${inv.cseq} CANCEL`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }
}

/** An INVITE this phone received (not yet in a dialog). */
export class IncomingCall {
  dialog: Dialog | undefined;

  constructor(
    readonly phone: SipPhone,
    readonly invite: SipMessage,
  ) {}

  get callId(): string {
    return this.invite.callId;
  }

  /** The offer in the INVITE ('' for a late offer). */
  get sdp(): string {
    return this.invite.body;
  }

  /** A provisional answer: 180 Ringing, or 183 Session Progress with early-media SDP. */
  ring(status = 180, reason = 'Ringing', sdp?: string): SipMessage {
    return this.phone.respond(this.invite, status, reason, { body: sdp });
  }

  /** 200 OK with the answer, retransmitted until the ACK arrives (RFC 3261 §13.3.1.4); resolves with the ACK. */
  async answer(sdp: string | undefined, ms = 4000): Promise<SipMessage> {
    const ok = this.phone.respond(this.invite, 200, 'OK', { body: sdp });
    this.dialog = {
      callId: this.callId,
      local: ok.header('to')!,
      remote: this.invite.header('from')!,
      remoteTarget: uriOf(this.invite.header('contact') ?? ''),
      routeSet: this.invite.headerAll('record-route'),
      localCSeq: 0,
    };
    return this.phone.awaitAck(this.invite, ok, ms);
  }

  reject(status: number, reason: string): SipMessage {
    return this.phone.respond(this.invite, status, reason);
  }
}

export interface SipPhoneOptions {
  pbxPort: number;
  user: string;
  password: string;
  pbxHost?: string;
}

export class SipPhone {
  readonly socket = dgram.createSocket('udp4');
  port = 0;
  /** Every message sent and received, in order. */
  readonly log: SipMessage[] = [];
  private readonly inbox: SipMessage[] = [];
  private waiters: Array<() => void> = [];
  /** To tags given to the INVITEs we received, by Call-ID + branch (so 18x and 200 share one). */
  private readonly tags = new Map<string, string>();
  /** INVITEs we already answered finally, by Call-ID + branch. */
  private readonly finished = new Set<string>();
  private closed = false;
  /** The last Proxy-Authenticate challenge and the nonce-count used with it. */
  private proxyChallenge: string | undefined;
  private nonceCount = 0;

  private constructor(readonly opts: SipPhoneOptions) {}

  static async open(opts: SipPhoneOptions): Promise<SipPhone> {
    const p = new SipPhone(opts);
    p.socket.on('error', () => undefined);
    await new Promise<void>((r) => p.socket.bind(0, LOOPBACK, () => r()));
    p.port = p.socket.address().port;
    p.socket.on('message', (data) => p.receive(data.toString('latin1')));
    return p;
  }

  get user(): string {
    return this.opts.user;
  }

  get contact(): string {
    return `<sip:${this.opts.user}@${LOOPBACK}:${this.port}>`;
  }

  private get pbxHost(): string {
    return this.opts.pbxHost ?? LOOPBACK;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    for (const w of this.waiters) w();
    this.waiters = [];
  }

  /** Sends text to the PBX (every request and response goes through it) and records it. */
  sendRaw(text: string): SipMessage {
    const msg = parseSipMessage(text, 'out');
    if (!msg) throw new Error(`not a SIP message:\n${text}`);
    this.log.push(msg);
    if (!this.closed) this.socket.send(Buffer.from(text, 'latin1'), this.opts.pbxPort, this.pbxHost);
    return msg;
  }

  private receive(text: string): void {
    const msg = parseSipMessage(text, 'in');
    if (!msg) return;
    this.log.push(msg);
    if (msg.isRequest && msg.method === 'OPTIONS') {
      this.respond(msg, 200, 'OK');
      return;
    }
    if (msg.isRequest && msg.method === 'CANCEL') this.onCancel(msg);
    this.inbox.push(msg);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** A ringing phone's answer to CANCEL: 200 for the CANCEL, 487 for the INVITE it cancels (§9.2). */
  private onCancel(cancel: SipMessage): void {
    this.respond(cancel, 200, 'OK');
    const key = `${cancel.callId} ${branchOf(cancel)}`;
    if (this.finished.has(key)) return;
    const invite = this.log.find(
      (m) =>
        m.direction === 'in' && m.isRequest && m.method === 'INVITE' && `${m.callId} ${branchOf(m)}` === key,
    );
    if (invite) this.respond(invite, 487, 'Request Terminated');
  }

  /** The next received message matching `pred` (taken out of the inbox), or undefined after `ms`. */
  async maybe(pred: (m: SipMessage) => boolean, ms: number): Promise<SipMessage | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Like maybe(), but throws after `ms`, listing what did arrive. */
  async waitFor(what: string, pred: (m: SipMessage) => boolean, ms = 3000): Promise<SipMessage> {
    const m = await this.maybe(pred, ms);
    if (m) return m;
    const seen = this.log
      .filter((x) => x.direction === 'in')
      .map((x) => `  ${x.raw.split('\r\n')[0]} (${x.callId} ${x.cseq} ${x.method})`)
      .join('\n');
    throw new Error(`${this.user}: no ${what} within ${ms} ms; received:\n${seen}`);
  }

  /** REGISTER, answer the 401, expect 200. */
  async register(expires = 300): Promise<void> {
    const callId = randomId();
    const fromTag = randomId();
    const uri = `sip:${this.pbxHost}:${this.opts.pbxPort}`;
    const send = (cseq: number, auth?: string): void => {
      this.sendRaw(
        [
          `REGISTER ${uri} SIP/2.0`,
          this.via(),
          'Max-Forwards: 70',
          `From: <sip:${this.user}@${this.pbxHost}>;tag=${fromTag}`,
          `To: <sip:${this.user}@${this.pbxHost}>`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} REGISTER`,
          `Contact: ${this.contact}`,
          `Expires: ${expires}`,
          ...(auth ? [`Authorization: ${auth}`] : []),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    };
    const final = (cseq: number): Promise<SipMessage> =>
      this.waitFor(
        `a response to REGISTER ${cseq}`,
        (m) => !m.isRequest && m.callId === callId && m.cseq === cseq && m.status >= 200,
      );
    send(1);
    const challenge = await final(1);
    if (challenge.status !== 401) throw new Error(`REGISTER: expected 401, got ${challenge.raw}`);
    send(2, this.authorization(challenge.header('www-authenticate')!, 'REGISTER', uri, 1));
    const ok = await final(2);
    if (ok.status !== 200) throw new Error(`REGISTER: expected 200, got ${ok.raw}`);
  }

  /**
   * Places a call: INVITE (with `sdp` as the offer, or none for a late offer), ACK the 407, INVITE again with
   * credentials. Returns as soon as the authenticated INVITE is sent; a final response other than 407 to the
   * first INVITE is left for final(). With `cachedCredentials`, as many desk phones do, the first INVITE
   * already carries credentials for the last proxy challenge (the next nonce-count) and no 407 is awaited.
   */
  async call(
    to: string,
    sdp?: string,
    opts: { headers?: string[]; cachedCredentials?: boolean } = {},
  ): Promise<OutgoingCall> {
    const callId = `${randomId()}@${LOOPBACK}`;
    const fromTag = randomId();
    const requestUri = `sip:${to}@${this.pbxHost}:${this.opts.pbxPort}`;
    const invite = (cseq: number, auth?: string): SipMessage =>
      this.sendRaw(
        [
          `INVITE ${requestUri} SIP/2.0`,
          this.via(),
          'Max-Forwards: 70',
          `From: <sip:${this.user}@${this.pbxHost}>;tag=${fromTag}`,
          `To: <sip:${to}@${this.pbxHost}>`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} INVITE`,
          `Contact: ${this.contact}`,
          ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
          ...(opts.headers ?? []),
          ...bodyHeaders(sdp),
        ].join('\r\n'),
      );
    if (opts.cachedCredentials && this.proxyChallenge !== undefined) {
      const sent = invite(1, this.authorization(this.proxyChallenge, 'INVITE', requestUri));
      return new OutgoingCall(this, callId, fromTag, to, requestUri, sent);
    }
    const first = invite(1);
    const answer = await this.waitFor(
      `a final response to the first INVITE of ${callId}`,
      (m) => !m.isRequest && m.callId === callId && m.cseq === 1 && m.status >= 200,
    );
    if (answer.status !== 407) {
      this.inbox.unshift(answer);
      return new OutgoingCall(this, callId, fromTag, to, requestUri, first);
    }
    this.sendAckForFailure(first, answer);
    this.proxyChallenge = answer.header('proxy-authenticate')!;
    this.nonceCount = 0;
    const second = invite(2, this.authorization(this.proxyChallenge, 'INVITE', requestUri));
    return new OutgoingCall(this, callId, fromTag, to, requestUri, second);
  }

  /** The next INVITE that starts a call (no To tag), optionally of one Call-ID. */
  async incoming(callId?: string, ms = 3000): Promise<IncomingCall> {
    const inv = await this.waitFor(
      `an incoming INVITE${callId ? ' for ' + callId : ''}`,
      (m) =>
        m.isRequest &&
        m.method === 'INVITE' &&
        tagOf(m.header('to') ?? '') === undefined &&
        (callId === undefined || m.callId === callId),
      ms,
    );
    return new IncomingCall(this, inv);
  }

  /** The next in-dialog request of `method` for a call. */
  inDialogRequest(method: string, callId: string, ms = 3000): Promise<SipMessage> {
    return this.waitFor(
      `a ${method} in ${callId}`,
      (m) => m.isRequest && m.method === method && m.callId === callId,
      ms,
    );
  }

  /**
   * A response to a received request: Via, From, To (with our tag added when it has none), Call-ID and CSeq
   * copied; for a dialog-creating 18x/2xx to INVITE also Record-Route and our Contact; a 2xx to INVITE or
   * UPDATE gets our Contact too.
   */
  respond(
    req: SipMessage,
    status: number,
    reason: string,
    opts: { body?: string | undefined; headers?: string[] } = {},
  ): SipMessage {
    const key = `${req.callId} ${branchOf(req)}`;
    let to = req.header('to') ?? '';
    if (status > 100 && tagOf(to) === undefined) {
      let tag = this.tags.get(key);
      if (tag === undefined) {
        tag = randomId();
        this.tags.set(key, tag);
      }
      to = `${to};tag=${tag}`;
    }
    const isInvite = req.method === 'INVITE';
    const dialogForming =
      isInvite && status > 100 && status < 300 && tagOf(req.header('to') ?? '') === undefined;
    const withContact = (isInvite || req.method === 'UPDATE') && status > 100 && status < 300;
    if (isInvite && status >= 200) this.finished.add(key);
    return this.sendRaw(
      [
        `SIP/2.0 ${status} ${reason}`,
        ...req.headerAll('via').map((v) => `Via: ${v}`),
        ...(dialogForming ? req.headerAll('record-route').map((r) => `Record-Route: ${r}`) : []),
        `From: ${req.header('from')}`,
        `To: ${to}`,
        `Call-ID: ${req.callId}`,
        `CSeq: ${req.header('cseq')}`,
        ...(withContact ? [`Contact: ${this.contact}`] : []),
        ...(opts.headers ?? []),
        ...bodyHeaders(opts.body),
      ].join('\r\n'),
    );
  }

  /** After a 2xx to an INVITE: resend it every 500 ms until the ACK for it arrives (bounded by `ms`). */
  async awaitAck(invite: SipMessage, ok: SipMessage, ms = 4000): Promise<SipMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const ack = await this.maybe(
        (m) => m.isRequest && m.method === 'ACK' && m.callId === invite.callId && m.cseq === invite.cseq,
        Math.min(500, Math.max(0, deadline - Date.now())),
      );
      if (ack) return ack;
      if (Date.now() >= deadline || this.closed)
        throw new Error(`${this.user}: no ACK for the 200 to INVITE ${invite.cseq} of ${invite.callId}`);
      this.sendRaw(ok.raw);
    }
  }

  /** Answers an in-dialog INVITE (re-INVITE) with 200 and `sdp`, then waits for its ACK. */
  async answerReinvite(reinvite: SipMessage, sdp: string, ms = 4000): Promise<SipMessage> {
    const ok = this.respond(reinvite, 200, 'OK', { body: sdp });
    return this.awaitAck(reinvite, ok, ms);
  }

  /** An in-dialog request along the route set (RFC 3261 §12.2.1.1), sent to the PBX. */
  sendInDialog(
    d: Dialog,
    method: string,
    opts: { cseq?: number; body?: string | undefined; headers?: string[]; contentType?: string } = {},
  ): SipMessage {
    const cseq = opts.cseq ?? ++d.localCSeq;
    return this.sendRaw(
      [
        `${method} ${d.remoteTarget} SIP/2.0`,
        this.via(),
        ...d.routeSet.map((r) => `Route: ${r}`),
        'Max-Forwards: 70',
        `From: ${d.local}`,
        `To: ${d.remote}`,
        `Call-ID: ${d.callId}`,
        `CSeq: ${cseq} ${method}`,
        ...(method === 'INVITE' || method === 'UPDATE' ? [`Contact: ${this.contact}`] : []),
        ...(opts.headers ?? []),
        ...bodyHeaders(opts.body, opts.contentType),
      ].join('\r\n'),
    );
  }

  /** A re-INVITE with `sdp`; the final response, acknowledged (a 2xx in the dialog, else hop by hop). */
  async reinvite(d: Dialog, sdp: string, ms = 3000): Promise<SipMessage> {
    const req = this.sendInDialog(d, 'INVITE', { body: sdp });
    const r = await this.waitFor(
      `a final response to the re-INVITE ${req.cseq} of ${d.callId}`,
      (m) =>
        !m.isRequest &&
        m.callId === d.callId &&
        m.method === 'INVITE' &&
        m.cseq === req.cseq &&
        m.status >= 200,
      ms,
    );
    if (r.status < 300) this.sendInDialog(d, 'ACK', { cseq: req.cseq });
    else this.sendAckForFailure(req, r);
    return r;
  }

  /** BYE in the dialog; resolves with its final response. */
  async bye(d: Dialog, ms = 3000): Promise<SipMessage> {
    const req = this.sendInDialog(d, 'BYE');
    return this.waitFor(
      `a response to BYE in ${d.callId}`,
      (m) =>
        !m.isRequest && m.callId === d.callId && m.method === 'BYE' && m.cseq === req.cseq && m.status >= 200,
      ms,
    );
  }

  /** The ACK for a non-2xx final response: same branch and Request-URI as the INVITE, To from the response. */
  sendAckForFailure(invite: SipMessage, res: SipMessage): void {
    this.sendRaw(
      [
        `ACK ${invite.uri} SIP/2.0`,
        `Via: ${invite.headerAll('via')[0]}`,
        ...invite.headerAll('route').map((r) => `Route: ${r}`),
        'Max-Forwards: 70',
        `From: ${invite.header('from')}`,
        `To: ${res.header('to')}`,
        `Call-ID: ${invite.callId}`,
        `CSeq: ${invite.cseq} ACK`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }

  private via(): string {
    return `Via: SIP/2.0/UDP ${LOOPBACK}:${this.port};branch=z9hG4bK${randomId()};rport`;
  }

  private authorization(challenge: string, method: string, uri: string, count?: number): string {
    const p = challengeParams(challenge);
    const nc = (count ?? ++this.nonceCount).toString(16).padStart(8, '0');
    const alg = (p.algorithm ?? 'MD5').toUpperCase() === 'SHA-256' ? 'SHA-256' : 'MD5';
    const cnonce = randomId();
    const response = digestResponse(
      alg,
      this.user,
      p.realm!,
      this.opts.password,
      method,
      uri,
      p.nonce!,
      nc,
      cnonce,
    );
    return (
      `Digest username="${this.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", ` +
      `response="${response}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="${cnonce}"` +
      (p.opaque !== undefined ? `, opaque="${p.opaque}"` : '')
    );
  }
}

function bodyHeaders(body: string | undefined, contentType = 'application/sdp'): string[] {
  if (body === undefined || body === '') return ['Content-Length: 0', '', ''];
  return [`Content-Type: ${contentType}`, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body];
}

/** An audio SDP offering PCMU (and telephone-event) from `address:port` (`0.0.0.0`: the RFC 2543 hold). */
export function pcmuSdp(o: {
  port: number;
  address?: string;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  version?: number;
}): string {
  const address = o.address ?? LOOPBACK;
  return [
    'v=0',
    `o=phone 4242 ${o.version ?? 1} IN IP4 ${address === '0.0.0.0' ? LOOPBACK : address}`,
    's=call',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    `a=${o.direction ?? 'sendrecv'}`,
    '',
  ].join('\r\n');
}

/** The first audio stream of an SDP: connection address, port, direction. */
export function sdpAudio(sdp: string): { address: string; port: number; direction: string } {
  const m = /^m=audio (\d+) /m.exec(sdp);
  if (!m) throw new Error(`no audio m-line in:\n${sdp}`);
  const mediaPart = sdp.slice(m.index);
  const c = /^c=IN IP4 (\S+)/m.exec(mediaPart) ?? /^c=IN IP4 (\S+)/m.exec(sdp);
  const dir = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(mediaPart);
  return { address: c?.[1] ?? '', port: Number(m[1]), direction: dir?.[1] ?? 'sendrecv' };
}

export { sleep };
