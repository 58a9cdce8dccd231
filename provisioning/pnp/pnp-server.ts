import dgram from 'node:dgram';
import type { Logger } from '../../engine/log/index.js';
import { makeResponse, newTag } from '../../engine/sip/core/make-response.js';
import { randomHex } from '../../engine/sip/core/random-pool.js';
import {
  createRequest,
  parseDatagram,
  parseNameAddr,
  parseUri,
  parseVia,
  serializeMessage,
  type ParseResult,
  type SipRequest,
  type SipResponse,
} from '../../engine/sip/message/index.js';
import { parsePnpSubscribe, type PnpSubscribe } from './pnp-subscribe.js';

/** The multicast group SIP UAs send PnP SUBSCRIBEs to ("sip.mcast.net", RFC 3261 §10.2.6). */
export const PNP_GROUP = '224.0.1.75';

export type DatagramSend = (data: Buffer, address: string, port: number) => void;

export interface PnpServerOptions {
  /** The URL for this phone, from what it said about itself. */
  urlFor(s: PnpSubscribe): string;
  /** Called once per new SUBSCRIBE (not for retransmissions). */
  onSubscribe?(s: PnpSubscribe, source: { address: string; port: number }): void;
  /** Our address for the NOTIFY's Via and Contact. */
  advertise: string;
  log: Logger;
  userAgent: string;
}

interface PendingNotify {
  packet: Buffer;
  address: string;
  port: number;
  send: DatagramSend;
  timer: NodeJS.Timeout;
  interval: number;
  started: number;
}

/** RFC 3261 timers for the NOTIFY (a non-INVITE client transaction over UDP): T1, T2, and 64·T1. */
const T1 = 500;
const T2 = 4000;
const TIMER_F = 64 * T1;
const MAX_PENDING = 256;

/**
 * SIP multicast plug-and-play. A phone booting without configuration sends
 * `SUBSCRIBE sip:MAC@224.0.1.75` with `Event: ua-profile;profile-type="device";vendor=…;model=…`; we answer
 * 200 and then `NOTIFY` with `Content-Type: application/url` holding the provisioning URL, which the phone
 * fetches at once (phones wait about 5 s for it). Retransmitted SUBSCRIBEs get the same 200 again and no
 * second NOTIFY; the NOTIFY is retransmitted (Timer E) until the phone answers it or Timer F fires.
 *
 * The server either owns a socket joined to the group (`listen`) or is handed SUBSCRIBEs that arrived on
 * the SIP port (`intercept`), when the SIP socket holds the PnP port itself.
 */
export class PnpServer {
  private socket: dgram.Socket | undefined;
  private readonly answered = new Map<string, { response: Buffer; at: number }>();
  private readonly pending = new Map<string, PendingNotify>();
  private membership: dgram.Socket | undefined;
  localPort = 0;
  /** The interface address the group was joined on ('' = not joined). */
  joinedOn = '';

  constructor(private readonly o: PnpServerOptions) {}

  /**
   * Binds `port` (sharing it: SO_REUSEADDR) and joins the group on the interface that holds `iface`, so a PC
   * with several adapters listens where its phones are (DESIGN: field lessons).
   */
  listen(port: number, iface: string): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, () => {
        socket.off('error', reject);
        try {
          socket.addMembership(PNP_GROUP, iface);
          socket.setMulticastInterface(iface);
        } catch (err) {
          socket.close();
          reject(err);
          return;
        }
        this.socket = socket;
        this.localPort = socket.address().port;
        this.joinedOn = iface;
        socket.on('error', (err) => this.o.log.warn('pnp socket error', { err }));
        socket.on('message', (buf, rinfo) => {
          this.intercept(parseDatagram(buf), rinfo, (d, a, p) => socket.send(d, p, a));
        });
        resolve();
      });
    });
  }

  /**
   * Joins the group on `iface` through a socket of its own while another socket (the SIP transport) holds
   * the PnP port: on Linux every socket bound to the port on the wildcard address then receives the group's
   * datagrams (IP_MULTICAST_ALL), and the SIP transport hands them to `intercept`.
   */
  joinOnly(iface: string, sipPort: number): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        try {
          socket.addMembership(PNP_GROUP, iface);
        } catch (err) {
          socket.close();
          reject(err);
          return;
        }
        this.membership = socket;
        this.joinedOn = iface;
        this.localPort = sipPort;
        resolve();
      });
    });
  }

  /**
   * Asks the network whether another plug-and-play server answers (DESIGN: only one should, or phones get
   * whichever answers first): a SUBSCRIBE as a phone sends it, from the interface `iface`, with multicast
   * loopback off so this host's own server does not see it. Resolves with the addresses that answered 2xx.
   * The From user is not a MAC, so no server records the probe as a phone.
   */
  probe(iface: string, port: number, waitMs = 2000): Promise<string[]> {
    const socket = dgram.createSocket('udp4');
    const answered = new Set<string>();
    return new Promise((resolve) => {
      const finish = (): void => {
        try {
          socket.close();
        } catch {
          /* closed */
        }
        resolve([...answered]);
      };
      socket.on('error', finish);
      socket.on('message', (buf, rinfo) => {
        const r = parseDatagram(buf);
        if (!r.ok) return;
        if (r.message.kind === 'response' && r.message.status >= 200 && r.message.status < 300)
          answered.add(rinfo.address);
        if (r.message.kind === 'request' && r.message.method === 'NOTIFY') {
          answered.add(rinfo.address);
          socket.send(serializeMessage(makeResponse(r.message, 200, 'OK')), rinfo.port, rinfo.address);
        }
      });
      socket.bind(0, iface, () => {
        try {
          socket.setMulticastInterface(iface);
          socket.setMulticastLoopback(false);
          socket.setMulticastTTL(1);
        } catch {
          finish();
          return;
        }
        const local = socket.address().port;
        const req = createRequest('SUBSCRIBE', `sip:officepbx-probe@${PNP_GROUP}`, [
          { name: 'Via', value: `SIP/2.0/UDP ${iface}:${local};branch=z9hG4bK${randomHex(8)};rport` },
          { name: 'Max-Forwards', value: '70' },
          { name: 'From', value: `<sip:officepbx-probe@${PNP_GROUP}>;tag=${randomHex(4)}` },
          { name: 'To', value: `<sip:officepbx-probe@${PNP_GROUP}>` },
          { name: 'Call-ID', value: `${randomHex(10)}@${iface}` },
          { name: 'CSeq', value: '1 SUBSCRIBE' },
          { name: 'Contact', value: `<sip:${iface}:${local}>` },
          {
            name: 'Event',
            value: 'ua-profile;profile-type="device";vendor="OfficePBX";model="probe";version="1"',
          },
          { name: 'Accept', value: 'application/url' },
          { name: 'Expires', value: '0' },
          { name: 'User-Agent', value: this.o.userAgent },
        ]);
        socket.send(serializeMessage(req), port, PNP_GROUP);
        setTimeout(finish, waitMs).unref();
      });
    });
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    for (const s of [this.socket, this.membership]) {
      try {
        s?.close();
      } catch {
        /* closed */
      }
    }
    this.socket = undefined;
    this.membership = undefined;
  }

  /**
   * Handles a datagram if it is ours: a PnP SUBSCRIBE or the answer to one of our NOTIFYs. Returns false
   * for anything else (the SIP stack's, when called from its transport).
   */
  intercept(r: ParseResult, source: { address: string; port: number }, send: DatagramSend): boolean {
    if (!r.ok) return false;
    const msg = r.message;
    if (msg.kind === 'response') return this.onResponse(msg);
    const s = parsePnpSubscribe(msg);
    if (!s) return false;
    this.onSubscribe(msg, s, source, send);
    return true;
  }

  private onResponse(res: SipResponse): boolean {
    if (this.pending.size === 0) return false;
    const key = `${res.headers.get('Call-ID')}|${res.headers.get('CSeq')}`;
    const p = this.pending.get(key);
    if (!p) return false;
    if (res.status >= 200) {
      clearTimeout(p.timer);
      this.pending.delete(key);
      if (res.status >= 300)
        this.o.log.info('pnp NOTIFY refused by the phone', { to: p.address, status: res.status });
    }
    return true;
  }

  private onSubscribe(
    req: SipRequest,
    s: PnpSubscribe,
    source: { address: string; port: number },
    send: DatagramSend,
  ): void {
    const callId = req.headers.get('Call-ID') ?? '';
    const key = `${callId}|${req.headers.get('CSeq')}`;
    const via = parseVia(req.headers.get('Via') ?? '');
    // RFC 3261 §18.2.2 / RFC 3581: to the source address, at the rport or the Via's port.
    const replyPort = via && via.params.has('rport') ? source.port : (via?.port ?? 5060);
    const previous = this.answered.get(key);
    if (previous) {
      send(previous.response, source.address, replyPort);
      return;
    }
    if (!callId) return;
    const toTag = newTag();
    const ok = makeResponse(
      req,
      200,
      'OK',
      [
        { name: 'Expires', value: '0' },
        { name: 'Contact', value: `<sip:${this.o.advertise}:${this.localPort}>` },
        { name: 'Server', value: this.o.userAgent },
      ],
      toTag,
    );
    const okBuf = serializeMessage(ok);
    this.remember(key, okBuf);
    send(okBuf, source.address, replyPort);

    const url = this.o.urlFor(s);
    this.o.log.info('pnp subscribe answered', {
      source: `${source.address}:${source.port}`,
      mac: s.mac,
      vendor: s.vendor,
      model: s.model,
      url,
    });
    this.o.onSubscribe?.(s, source);

    // The NOTIFY goes to the phone's Contact (RFC 6665 §4.1.2.3 within the dialog the 200 made).
    const contact = parseNameAddr(req.headers.get('Contact') ?? '');
    const curi = contact ? parseUri(contact.uri) : null;
    const target =
      curi && /^\d+\.\d+\.\d+\.\d+$/.test(curi.host)
        ? { address: curi.host, port: curi.port ?? 5060 }
        : { address: source.address, port: replyPort };
    const from = req.headers.get('From') ?? '';
    const to = (req.headers.get('To') ?? '').replace(/;tag=[^;]*/i, '');
    const notify = createRequest(
      'NOTIFY',
      contact?.uri ?? `sip:${source.address}:${replyPort}`,
      [
        {
          name: 'Via',
          value: `SIP/2.0/UDP ${this.o.advertise}:${this.localPort};branch=z9hG4bK${randomHex(8)};rport`,
        },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `${to};tag=${toTag}` },
        { name: 'To', value: from },
        { name: 'Call-ID', value: callId },
        { name: 'CSeq', value: '1 NOTIFY' },
        { name: 'Contact', value: `<sip:${this.o.advertise}:${this.localPort}>` },
        { name: 'Event', value: req.headers.get('Event') ?? 'ua-profile' },
        { name: 'Subscription-State', value: 'terminated;reason=timeout' },
        { name: 'User-Agent', value: this.o.userAgent },
        { name: 'Content-Type', value: 'application/url' },
      ],
      Buffer.from(url, 'utf8'),
    );
    this.startNotify(`${callId}|1 NOTIFY`, serializeMessage(notify), target.address, target.port, send);
  }

  private startNotify(key: string, packet: Buffer, address: string, port: number, send: DatagramSend): void {
    if (this.pending.size >= MAX_PENDING) return;
    const p: PendingNotify = {
      packet,
      address,
      port,
      send,
      interval: T1,
      started: Date.now(),
      timer: setTimeout(() => undefined, 0),
    };
    const fire = (): void => {
      p.send(p.packet, p.address, p.port);
      if (Date.now() - p.started + p.interval >= TIMER_F) {
        p.timer = setTimeout(() => this.pending.delete(key), p.interval);
        return;
      }
      p.timer = setTimeout(fire, p.interval);
      p.interval = Math.min(p.interval * 2, T2);
    };
    clearTimeout(p.timer);
    this.pending.set(key, p);
    fire();
  }

  private remember(key: string, response: Buffer): void {
    const now = Date.now();
    // Keep answers for 64·T1 (a retransmitted SUBSCRIBE gets the same 200), at most a thousand.
    for (const [k, v] of this.answered) {
      if (now - v.at < TIMER_F && this.answered.size < 1000) break;
      this.answered.delete(k);
    }
    this.answered.set(key, { response, at: now });
  }
}
