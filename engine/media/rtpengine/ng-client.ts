/**
 * A client for rtpengine's ng control protocol over UDP.
 *
 * Wire format (rtpengine docs/ng_control_protocol.md, "The ng Control Protocol"): each datagram is
 * `<cookie> <bencoded dictionary>`; the reply carries the request's cookie. The request dictionary has a
 * `command` key; the reply has `result` (`ok`, `pong` for ping, `error` with `error-reason`, or
 * `load limit` when the `supports: ['load limit']` extension is used) and may carry a `warning`.
 * rtpengine caches replies by cookie, so a retransmission with the same cookie is answered from the cache
 * instead of being executed twice — that is what makes retrying an offer safe.
 *
 * Features: request/response matching by cookie; retransmission with per-try timeouts; several rtpengine
 * instances with sticky selection (hash of the Call-ID picks the first instance; a call stays on the
 * instance that answered its first request); fail-over to the next instance on timeout; `ping` for health.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { decode, encode, isDict, asString, type BencodeDict, type BencodeInput } from './bencode.js';

export interface NgClientOptions {
  /** rtpengine ng addresses as `host:port` (IPv6 as `[addr]:port`); at least one. */
  servers: readonly string[];
  /**
   * How long to wait for a reply after each transmission; the number of entries is the number of tries per
   * instance. Default [1000, 2000, 2000]: three tries, 5 s in all, before failing over.
   */
  retryTimeoutsMs?: readonly number[];
  /** After a timeout an instance is skipped (unless nothing else is left) for this long. Default 10 s. */
  downForMs?: number;
  /** Most calls remembered for stickiness (oldest forgotten first). Default 100 000. */
  maxStickyCalls?: number;
}

/** Base class of everything NgClient rejects with. */
export class NgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NgError';
  }
}

/** No reply from any tried instance within the retry budget. */
export class NgTimeoutError extends NgError {
  constructor(
    readonly command: string,
    readonly servers: readonly string[],
    readonly elapsedMs: number,
  ) {
    super(`rtpengine did not answer '${command}' (tried ${servers.join(', ')}; ${elapsedMs} ms)`);
    this.name = 'NgTimeoutError';
  }
}

/** rtpengine answered `result: error` (or `load limit`). */
export class NgCommandError extends NgError {
  constructor(
    readonly command: string,
    /** rtpengine's `error-reason` (or `message` for a load limit). */
    readonly reason: string,
    readonly result: string,
    readonly server: string,
  ) {
    super(`rtpengine '${command}' failed: ${reason}`);
    this.name = 'NgCommandError';
  }
}

/** The reply could not be understood, or the client is closed. */
export class NgProtocolError extends NgError {
  constructor(message: string) {
    super(message);
    this.name = 'NgProtocolError';
  }
}

export interface NgReply {
  /** The instance (as configured, `host:port`) that answered. */
  server: string;
  /** The reply dictionary (`result` is `ok` or `pong`). */
  dict: BencodeDict;
  /** rtpengine's `warning`, if any. */
  warning?: string;
}

export interface PingResult {
  server: string;
  ok: boolean;
  rttMs: number;
  error?: string;
}

interface Server {
  spec: string;
  host: string;
  port: number;
  /** Resolved address (filled lazily). */
  address?: string;
  family?: 4 | 6;
  downUntil: number;
}

interface Pending {
  server: Server;
  resolve: (dict: BencodeDict) => void;
  reject: (err: Error) => void;
}

/** Parses `host:port`, `[v6]:port` or `v4:port`. */
export function parseHostPort(spec: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(spec) ?? /^([^:]+):(\d+)$/.exec(spec);
  const host = m?.[1];
  const port = Number(m?.[2]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new NgError(`invalid rtpengine address "${spec}" (expected host:port)`);
  return { host, port };
}

/** FNV-1a, 32 bit: a cheap stable hash to spread calls over instances. */
export function hashCallId(callId: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(callId, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class NgClient {
  private readonly servers: Server[];
  private readonly timeouts: readonly number[];
  private readonly downForMs: number;
  private readonly maxSticky: number;
  private readonly pending = new Map<string, Pending>();
  /** Call-ID → index of the instance holding the call. Insertion order = age. */
  private readonly sticky = new Map<string, number>();
  private readonly sockets: { 4?: dgram.Socket; 6?: dgram.Socket } = {};
  private readonly cookiePrefix = randomBytes(4).toString('hex');
  private counter = 0;
  private closed = false;

  constructor(options: NgClientOptions) {
    if (options.servers.length === 0) throw new NgError('no rtpengine address configured');
    this.servers = options.servers.map((spec) => ({ spec, ...parseHostPort(spec), downUntil: 0 }));
    this.timeouts = options.retryTimeoutsMs?.length ? options.retryTimeoutsMs : [1000, 2000, 2000];
    this.downForMs = options.downForMs ?? 10_000;
    this.maxSticky = options.maxStickyCalls ?? 100_000;
  }

  /** The configured instances, in order. */
  get serverList(): string[] {
    return this.servers.map((s) => s.spec);
  }

  /** Total time one instance gets (all tries) before it counts as not answering. */
  get retryBudgetMs(): number {
    return this.timeouts.reduce((a, b) => a + b, 0);
  }

  /** The instance a call is (or would be) handled by. */
  serverFor(callId: string): string {
    const i = this.sticky.get(callId) ?? hashCallId(callId) % this.servers.length;
    return this.servers[i]!.spec;
  }

  /**
   * Sends a command and resolves with the reply. `callId` enables sticky selection and fail-over; without
   * it the first instance that is up is used. Rejects with NgCommandError on `result: error`,
   * NgTimeoutError when no instance answered, NgProtocolError on a garbled reply.
   *
   * `failover: false` keeps the request on the call's instance (for answer/delete/query of a call that
   * lives there: another instance does not know the call).
   */
  async request(
    command: string,
    params: { readonly [key: string]: BencodeInput | undefined } = {},
    opts: { callId?: string; failover?: boolean } = {},
  ): Promise<NgReply> {
    if (this.closed) throw new NgProtocolError('ng client is closed');
    const order = this.order(opts.callId);
    const known = opts.callId !== undefined && this.sticky.has(opts.callId);
    const candidates = opts.failover === false || known ? order.slice(0, 1) : order;
    const tried: string[] = [];
    const started = Date.now();
    const payload = { ...params, command };
    for (const index of candidates) {
      const server = this.servers[index]!;
      tried.push(server.spec);
      let dict: BencodeDict;
      try {
        dict = await this.exchange(server, payload);
      } catch (err) {
        if (err instanceof NgTimeoutError) {
          server.downUntil = Date.now() + this.downForMs;
          continue;
        }
        throw err;
      }
      server.downUntil = 0;
      const result = asString(dict['result']);
      if (result === 'ok' || result === 'pong') {
        if (opts.callId !== undefined) this.remember(opts.callId, index);
        const warning = asString(dict['warning']);
        return warning === undefined ? { server: server.spec, dict } : { server: server.spec, dict, warning };
      }
      if (result === 'error' || result === 'load limit') {
        const reason =
          asString(dict['error-reason']) ??
          asString(dict['message']) ??
          (result === 'load limit' ? 'load limit' : 'unknown error');
        throw new NgCommandError(command, reason, result, server.spec);
      }
      throw new NgProtocolError(
        `rtpengine '${command}': unexpected result ${JSON.stringify(result ?? null)}`,
      );
    }
    throw new NgTimeoutError(command, tried, Date.now() - started);
  }

  /** Forgets which instance holds a call (after delete). */
  forget(callId: string): void {
    this.sticky.delete(callId);
  }

  /** Pings one instance, or every instance when `server` is omitted. Never rejects. */
  async ping(server?: string): Promise<PingResult[]> {
    const targets = server === undefined ? this.servers : this.servers.filter((s) => s.spec === server);
    if (targets.length === 0)
      return [{ server: server ?? '', ok: false, rttMs: 0, error: 'not a configured instance' }];
    return Promise.all(
      targets.map(async (s): Promise<PingResult> => {
        const t0 = Date.now();
        try {
          const dict = await this.exchange(s, { command: 'ping' });
          const result = asString(dict['result']);
          const ok = result === 'pong';
          if (ok) s.downUntil = 0;
          return ok
            ? { server: s.spec, ok, rttMs: Date.now() - t0 }
            : { server: s.spec, ok, rttMs: Date.now() - t0, error: `unexpected result ${String(result)}` };
        } catch (err) {
          if (err instanceof NgTimeoutError) s.downUntil = Date.now() + this.downForMs;
          return { server: s.spec, ok: false, rttMs: Date.now() - t0, error: (err as Error).message };
        }
      }),
    );
  }

  /** Closes the sockets; pending requests reject with NgProtocolError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new NgProtocolError('ng client closed'));
    this.pending.clear();
    await Promise.all(
      [this.sockets[4], this.sockets[6]].map(
        (s) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve())),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------ internals

  /** Instance indexes to try: the sticky/hashed one first, then the rest in ring order; down ones last. */
  private order(callId: string | undefined): number[] {
    const n = this.servers.length;
    const first = callId === undefined ? 0 : (this.sticky.get(callId) ?? hashCallId(callId) % n);
    const ring = Array.from({ length: n }, (_, k) => (first + k) % n);
    if (callId !== undefined && this.sticky.has(callId)) return ring;
    const now = Date.now();
    const up = ring.filter((i) => this.servers[i]!.downUntil <= now);
    const down = ring.filter((i) => this.servers[i]!.downUntil > now);
    return [...up, ...down];
  }

  private remember(callId: string, index: number): void {
    this.sticky.delete(callId);
    this.sticky.set(callId, index);
    if (this.sticky.size > this.maxSticky) {
      const oldest = this.sticky.keys().next();
      if (!oldest.done) this.sticky.delete(oldest.value);
    }
  }

  private async resolve(server: Server): Promise<void> {
    if (server.address) return;
    const ipv = net.isIP(server.host);
    if (ipv === 4 || ipv === 6) {
      server.address = server.host;
      server.family = ipv;
      return;
    }
    try {
      const r = await dns.promises.lookup(server.host);
      server.address = r.address;
      server.family = r.family === 6 ? 6 : 4;
    } catch (err) {
      throw new NgError(`cannot resolve rtpengine host "${server.host}": ${(err as Error).message}`);
    }
  }

  private async socket(family: 4 | 6): Promise<dgram.Socket> {
    const existing = this.sockets[family];
    if (existing) return existing;
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    this.sockets[family] = sock;
    sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    // ICMP port-unreachable surfaces as an error on some platforms; the retry timer handles it.
    sock.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      sock.once('listening', resolve);
      sock.once('error', reject);
      sock.bind(0, family === 6 ? '::' : '0.0.0.0');
    });
    sock.unref();
    return sock;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const space = msg.indexOf(0x20);
    if (space <= 0) return; // not an ng reply
    const cookie = msg.toString('latin1', 0, space);
    const p = this.pending.get(cookie);
    if (!p) return; // late reply to a retransmitted or timed-out request
    // Only the instance we asked may answer (a stray datagram must not complete someone else's request).
    if (rinfo.port !== p.server.port || !sameAddress(rinfo.address, p.server.address)) return;
    this.pending.delete(cookie);
    const r = decode(msg.subarray(space + 1));
    if (!r.ok)
      p.reject(new NgProtocolError(`garbled reply from rtpengine ${p.server.spec}: ${r.error.message}`));
    else if (!isDict(r.value))
      p.reject(new NgProtocolError(`reply from rtpengine ${p.server.spec} is not a dictionary`));
    else p.resolve(r.value);
  }

  /** One request to one instance, retransmitted per `timeouts` with the same cookie. */
  private async exchange(
    server: Server,
    payload: { readonly [key: string]: BencodeInput | undefined },
  ): Promise<BencodeDict> {
    await this.resolve(server);
    const sock = await this.socket(server.family ?? 4);
    const cookie = `${this.cookiePrefix}_${(++this.counter).toString(36)}`;
    const datagram = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), encode(payload)]);
    const command = asString(payload['command'] as string | undefined) ?? '?';
    const started = Date.now();
    return new Promise<BencodeDict>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let attempt = 0;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        this.pending.delete(cookie);
      };
      this.pending.set(cookie, {
        server,
        resolve: (d) => {
          finish();
          resolve(d);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      });
      const send = (): void => {
        if (this.closed) return;
        const wait = this.timeouts[attempt++];
        if (wait === undefined) {
          finish();
          reject(new NgTimeoutError(command, [server.spec], Date.now() - started));
          return;
        }
        sock.send(datagram, server.port, server.address, () => undefined);
        timer = setTimeout(send, wait);
      };
      send();
    });
  }
}

function sameAddress(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const strip = (x: string): string => (x.startsWith('::ffff:') ? x.slice(7) : x).toLowerCase();
  return strip(a) === strip(b);
}
