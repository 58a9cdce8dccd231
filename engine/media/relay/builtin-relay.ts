import { isIPv4 } from 'node:net';
import os from 'node:os';
import type { Logger } from '../../log/index.js';
import {
  RelayError,
  type AnswerRequest,
  type CallMediaStats,
  type MediaCallKey,
  type OfferRequest,
  type RelayDriver,
  type StreamDirectionStats,
} from '../relay-driver.js';
import { anchorSdp } from '../sdp/anchor-sdp.js';
import { parseSdp } from '../sdp/parse-sdp.js';
import type { BuiltinRelayOptions } from './builtin-relay-options.js';
import { PortPool } from './port-pool.js';
import { RelayCall, type SdpKind } from './relay-call.js';
import type { ForwardingWorker } from './forwarding-worker.js';
import { loadNativeRelay } from './native-relay-addon.js';
import { NativeWorkerHandle } from './native-worker-handle.js';
import { RelayWorkerHandle } from './relay-worker-handle.js';
import {
  CALLEE,
  CALLER,
  type RealtimeState,
  type Side,
  type WorkerCallStats,
  type WorkerConfig,
  type WorkerDirectionStats,
} from './worker-protocol.js';

/** Most forwarding threads of the native addon unless told otherwise (`--relay-workers`): one per core up to this. */
const NATIVE_THREADS = 2;

/** Attempts to replace port pairs another program holds before the offer fails with 503. */
const BIND_ATTEMPTS = 4;

/** Ports, calls and worker sockets right now: what the leak test and the console look at. */
export interface RelayUsage {
  calls: number;
  portPairs: { capacity: number; free: number; used: number };
  /** `native` (the C addon) or `js` (Node worker threads): see BuiltinRelayOptions.engine. */
  engine: 'native' | 'js';
  workers: { threadId: number; calls: number; sockets: number; realtime?: RealtimeState }[];
}

/**
 * The built-in RTP relay (issue 3): anchors each call's media in port pairs of its own, rewrites offers and
 * answers to point at them, latches symmetrically and forwards RTP and RTCP both ways.
 *
 * Like rtpengine, a call has two ends: an offer from one end gets, per m-line, a port pair facing the other
 * end (which will send there), and the offerer's address as the destination towards it; the answer does the
 * same the other way. A packet from the caller arrives on the caller-facing socket and leaves through the
 * callee-facing one, so each phone receives from the very address it sends to.
 *
 * The main thread keeps only control: the port pool and each call's state. Forwarding runs in threads of
 * their own (one per core by default): those of the native addon (native/relay.c: epoll, recvmmsg and
 * sendmmsg, no JavaScript per packet) when it is built, else Node worker threads with dgram sockets. A call
 * is given to a thread round-robin, and that thread owns all of the call's sockets.
 *
 * Forked early media: each answer (18x or 2xx, any to-tag) replaces the callee side's destination, so the
 * last answer wins; the fork that is finally accepted answers last in practice (its 200 OK).
 */
export class BuiltinRelay implements RelayDriver {
  readonly name = 'builtin';
  onMediaTimeout?: (callId: string) => void;
  private readonly pool: PortPool;
  private readonly workers: ForwardingWorker[];
  /** What forwards the packets. */
  readonly engine: 'native' | 'js';
  private nextWorker = 0;
  private readonly calls = new Map<string, RelayCall>();
  private readonly byHandle = new Map<number, RelayCall>();
  private nextHandle = 1;
  private closed = false;
  private readonly advertise: string;
  private readonly log: Logger;

  constructor(options: BuiltinRelayOptions) {
    this.log = options.log;
    if (!isIPv4(options.advertise))
      throw new RangeError(`advertise: "${options.advertise}" is not an IPv4 address`);
    if (!isIPv4(options.bind)) throw new RangeError(`bind: "${options.bind}" is not an IPv4 address`);
    this.advertise = options.advertise;
    this.pool = new PortPool(options.portMin, options.portMax);
    const native = options.engine === 'js' ? null : loadNativeRelay();
    const addon = native?.addon;
    // One native thread forwards 100,000 packets/s in ~70% of a core (bench/relay-load.ts, two cores); a
    // second one costs a few percent more CPU per packet but halves what one stalled thread holds up: at
    // 1,000 calls its p99 latency varied less from run to run. Node worker threads cost several times more
    // per packet: one per core.
    const cores = os.availableParallelism();
    const count = options.workers ?? (addon ? Math.min(NATIVE_THREADS, cores) : cores);
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`workers: ${count} is not a positive integer`);
    const timeout = options.mediaTimeoutSeconds ?? 60;
    if (!(timeout >= 0)) throw new RangeError(`mediaTimeoutSeconds: ${timeout} is not a number of seconds`);
    const realtimePriority = options.realtimePriority ?? 0;
    if (!Number.isInteger(realtimePriority) || realtimePriority < 0 || realtimePriority > 99)
      throw new RangeError(`realtimePriority: ${realtimePriority} is not 0 (off) or a priority from 1 to 99`);
    const config: WorkerConfig = {
      bind: options.bind,
      strictSource: options.strictSource ?? false,
      mediaTimeoutMs: timeout * 1000,
      debug: this.log.enabled('debug'),
      realtimePriority,
      ...(options.realtimeGuard ? { realtimeGuard: options.realtimeGuard } : {}),
    };
    const delegate = { onMediaTimeout: (handle: number) => this.mediaTimedOut(handle) };
    if (native && !addon)
      this.log.warn('native media relay not available; forwarding in Node worker threads instead', {
        reason: native.reason,
      });
    this.engine = addon ? 'native' : 'js';
    this.workers = Array.from({ length: count }, (_, i) =>
      addon
        ? new NativeWorkerHandle(i, addon, config, delegate, this.log)
        : new RelayWorkerHandle(i, config, delegate, this.log),
    );
    this.log.info('media relay started', {
      advertise: options.advertise,
      bind: options.bind,
      ports: `${this.pool.first}-${this.pool.first + 2 * this.pool.capacity - 1}`,
      pairs: this.pool.capacity,
      workers: count,
      engine: this.engine,
      mediaTimeoutSeconds: timeout,
      strictSource: config.strictSource,
    });
    if (addon && realtimePriority > 0) void this.checkScheduling();
  }

  /**
   * How the forwarding threads are scheduled, for the dashboard: `realtime`, `refused` (asked for and
   * refused by the system) or `normal` (not asked for, or Node worker threads). Guard demotions, which
   * come and go with a flood, are in the log instead.
   */
  get priority(): 'realtime' | 'normal' | 'refused' {
    return this.scheduling;
  }

  private scheduling: 'realtime' | 'normal' | 'refused' = 'normal';

  /** Says once whether the forwarding threads got the real-time priority they asked for. */
  private async checkScheduling(): Promise<void> {
    const reply = await this.workers[0]?.request({ op: 'census' }).catch(() => undefined);
    const rt = reply?.ok ? reply.census?.realtime : undefined;
    if (rt?.state === 'denied' || rt?.state === 'on')
      this.scheduling = rt.state === 'on' ? 'realtime' : 'refused';
    if (rt?.state === 'denied')
      this.log.warn(
        'media relay threads run at normal priority: the system refused real-time scheduling, so audio may ' +
          'stutter while the PC is busy (README, Troubleshooting: "Choppy audio")',
        { priority: rt.priority, reason: rt.error ?? null },
      );
    else if (rt?.state === 'on')
      this.log.info('media relay threads at real-time priority', { priority: rt.priority });
  }

  offer(req: OfferRequest): Promise<string> {
    return this.apply(req, req.from === 'callee' ? CALLEE : CALLER, 'offer');
  }

  answer(req: AnswerRequest): Promise<string> {
    return this.apply(req, req.from === 'caller' ? CALLER : CALLEE, 'answer');
  }

  /** Ends the whole call's media (every fork; the tags are not needed) and returns its final statistics. */
  async delete(key: MediaCallKey): Promise<CallMediaStats | undefined> {
    const call = this.calls.get(key.callId);
    if (!call) return undefined;
    this.forget(call);
    return call.run(() => this.release(call));
  }

  async query(callId: string): Promise<CallMediaStats | undefined> {
    const call = this.calls.get(callId);
    if (!call) return undefined;
    let stats: WorkerCallStats | undefined;
    try {
      const reply = await call.worker.request({ op: 'query', call: call.handle });
      if (reply.ok) stats = reply.stats;
    } catch {
      // the worker died: report the call without packet counts
    }
    return this.callStats(call, stats);
  }

  /** Current usage; `workers` asks each worker for its live socket count. */
  async usage(): Promise<RelayUsage> {
    const workers = await Promise.all(
      this.workers.map(async (w) => {
        const reply = await w.request({ op: 'census' });
        return {
          threadId: w.threadId,
          calls: w.calls,
          sockets: reply.ok ? (reply.census?.sockets ?? 0) : -1,
          ...(reply.ok && reply.census?.realtime ? { realtime: reply.census.realtime } : {}),
        };
      }),
    );
    return {
      calls: this.calls.size,
      engine: this.engine,
      portPairs: { capacity: this.pool.capacity, free: this.pool.available, used: this.pool.used },
      workers,
    };
  }

  /** Closes every socket and ends the worker threads. Calls still open are dropped without statistics. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.close()));
    for (const call of this.calls.values()) {
      call.deleted = true;
      for (const port of call.releaseAll()) this.pool.release(port);
    }
    this.calls.clear();
    this.byHandle.clear();
  }

  private async apply(req: OfferRequest | AnswerRequest, from: Side, kind: SdpKind): Promise<string> {
    if (this.closed) throw new RelayError('media relay is closed', 503);
    const parsed = parseSdp(req.sdp); // 488 before any state changes
    const offered = parsed.streams.filter((s) => !s.rejected);
    if (kind === 'offer' && offered.length > 0 && offered.every((s) => !s.relayable))
      throw new RelayError('no media stream the relay can carry (it relays RTP over UDP and IPv4)', 488);
    let call = this.calls.get(req.callId);
    if (!call) {
      if (kind === 'answer')
        throw new RelayError(`${kind} for call ${req.callId} without an offer: nothing to anchor`, 500);
      call = this.admit(req);
    }
    const target = call;
    return target.run(async () => {
      if (target.deleted)
        throw new RelayError(`call ${req.callId} ended before its ${kind} was anchored`, 500);
      const fresh = target.streams.length === 0;
      try {
        if (kind === 'answer' && req.toTag && target.toTag && req.toTag !== target.toTag)
          this.log.debug('answer from another fork replaces the previous one', {
            callId: req.callId,
            toTag: req.toTag,
            previous: target.toTag,
          });
        if (kind === 'answer' && req.toTag) target.toTag = req.toTag;
        const provisional = kind === 'answer' && (req as AnswerRequest).provisional === true;
        const released = target.applySdp(from, kind, parsed.streams, this.pool, provisional);
        try {
          await this.sync(target);
        } finally {
          for (const port of released) this.pool.release(port);
        }
        const sdp = anchorSdp(parsed, this.advertise, target.anchorPorts(from, parsed.streams));
        this.log.debug(`media ${kind} anchored`, {
          callId: req.callId,
          from: from === CALLER ? 'caller' : 'callee',
          source: req.signallingAddress,
          ports: target.ports(),
        });
        return sdp;
      } catch (err) {
        if (err instanceof RelayError && err.sipStatus === 503)
          this.log.warn('media relay refused the call: no free ports', {
            callId: req.callId,
            reason: err.message,
          });
        if (fresh) {
          // The call's first offer failed: nothing will reference it, so drop it entirely.
          this.forget(target);
          await this.release(target);
        }
        throw err;
      }
    });
  }

  private admit(req: MediaCallKey): RelayCall {
    const worker = this.workers[this.nextWorker]!;
    this.nextWorker = (this.nextWorker + 1) % this.workers.length;
    const call = new RelayCall(this.nextHandle++, req.callId, req.fromTag, worker);
    worker.calls++;
    this.calls.set(req.callId, call);
    this.byHandle.set(call.handle, call);
    return call;
  }

  /** Takes a call out of the tables at once; its ports are released by release() once the worker let go. */
  private forget(call: RelayCall): void {
    if (call.deleted) return;
    call.deleted = true;
    call.worker.calls--;
    if (this.calls.get(call.callId) === call) this.calls.delete(call.callId);
    this.byHandle.delete(call.handle);
  }

  /** Brings the worker in line with the call; replaces pairs it could not bind (another program's ports). */
  private async sync(call: RelayCall): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let reply;
      try {
        reply = await call.worker.request({
          op: 'sync',
          call: call.handle,
          callId: call.callId,
          armed: call.armed(),
          streams: call.plan(),
        });
      } catch (err) {
        throw new RelayError(`media relay worker failed: ${(err as Error).message}`, 500);
      }
      if (reply.ok) return;
      if (reply.failedPorts.length === 0)
        throw new RelayError(`media relay worker failed: ${reply.error}`, 500);
      this.log.warn('media ports in use by another program; trying others', {
        callId: call.callId,
        ports: reply.failedPorts,
        reason: reply.error,
      });
      let short = false;
      for (const port of reply.failedPorts) {
        const leg = call.legWithPort(port);
        if (!leg) continue;
        leg.port = 0;
        this.pool.release(port); // to the back of the ring: retried only after every other pair
        if (attempt >= BIND_ATTEMPTS) continue;
        const replacement = this.pool.allocate();
        if (replacement === undefined) short = true;
        else leg.port = replacement;
      }
      if (attempt >= BIND_ATTEMPTS || short)
        throw new RelayError(`cannot bind media ports for call ${call.callId}: ${reply.error}`, 503);
    }
  }

  /** Closes the call's sockets in its worker, then returns its ports to the pool; final statistics. */
  private async release(call: RelayCall): Promise<CallMediaStats> {
    let stats: WorkerCallStats | undefined;
    try {
      const reply = await call.worker.request({ op: 'delete', call: call.handle });
      if (reply.ok) stats = reply.stats;
    } catch (err) {
      this.log.warn('media relay worker did not confirm the release', { callId: call.callId, err });
    }
    const result = this.callStats(call, stats);
    for (const port of call.releaseAll())
      if (!this.pool.release(port))
        this.log.error('media port released twice', { callId: call.callId, port });
    return result;
  }

  private mediaTimedOut(handle: number): void {
    const call = this.byHandle.get(handle);
    if (!call) return;
    this.log.info('media timeout: no packets in either direction', { callId: call.callId });
    this.onMediaTimeout?.(call.callId);
  }

  private callStats(call: RelayCall, stats: WorkerCallStats | undefined): CallMediaStats {
    const byIndex = new Map(stats?.streams.map((s) => [s.index, s]));
    return {
      callId: call.callId,
      streams: call.streams
        .filter((st) => !st.rejected)
        .map((st) => {
          const live = byIndex.get(st.index);
          return {
            index: st.index,
            media: st.media,
            codec: st.codec,
            callerToCallee: direction(live?.from[CALLER]),
            calleeToCaller: direction(live?.from[CALLEE]),
          };
        }),
      idleMs: stats?.idleMs ?? 0,
    };
  }
}

function direction(s: WorkerDirectionStats | undefined): StreamDirectionStats {
  if (!s) return { packets: 0, bytes: 0, lost: 0, jitterMs: 0, source: null, rtcpPackets: 0, dropped: 0 };
  return { ...s, jitterMs: Math.round(s.jitterMs * 1000) / 1000 };
}
