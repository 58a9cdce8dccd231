import type { Logger, LogFields } from '../../log/index.js';
import type { ForwardingWorker, ForwardingWorkerDelegate, WorkerRequest } from './forwarding-worker.js';
import type {
  NativeCallStats,
  NativeEvent,
  NativeRelayAddon,
  NativeRelayInstance,
} from './native-relay-addon.js';
import type { ToWorker, WorkerCallStats, WorkerConfig, WorkerReply } from './worker-protocol.js';

const SIDE_NAMES = ['caller', 'callee'] as const;
const WHAT = ['rtp', 'rtcp'] as const;
const EVENT_LATCHED = 1;

/**
 * One forwarding thread of the native addon (native/relay.c), behind the same requests as a worker thread
 * (RelayWorkerHandle): the control cannot tell them apart. Requests are carried out synchronously on the
 * main thread under the addon's lock (a few microseconds each); packets never come here. A timer on the
 * main thread polls for media timeouts and for the log events the forwarding thread queued (latching,
 * strict-source drops), as often as the worker thread's own timeout check.
 */
export class NativeWorkerHandle implements ForwardingWorker {
  calls = 0;
  private readonly relay: NativeRelayInstance;
  private readonly callIds = new Map<number, string>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** What the last poll saw of the real-time guard. */
  private demotions = 0;
  private realtimeOn = false;

  constructor(
    readonly id: number,
    private readonly addon: NativeRelayAddon,
    private readonly config: WorkerConfig,
    private readonly delegate: ForwardingWorkerDelegate,
    private readonly log: Logger,
  ) {
    const guard = config.realtimeGuard;
    this.relay = guard
      ? addon.create(
          config.bind,
          config.strictSource,
          config.debug,
          config.realtimePriority,
          guard.busy,
          guard.windowMs,
        )
      : addon.create(config.bind, config.strictSource, config.debug, config.realtimePriority);
    const every = config.mediaTimeoutMs > 0 ? Math.min(1000, Math.max(50, config.mediaTimeoutMs / 4)) : 1000;
    this.timer = setInterval(() => this.poll(), every);
    this.timer.unref();
  }

  get threadId(): number {
    return this.closed ? -1 : this.addon.threadId(this.relay);
  }

  request(msg: WorkerRequest): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new Error('media relay is closed'));
    const req = 0;
    try {
      return Promise.resolve(this.handle({ ...msg, req } as ToWorker));
    } catch (err) {
      return Promise.resolve({
        kind: 'reply',
        req,
        ok: false,
        error: (err as Error).message,
        failedPorts: [],
      });
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.timer);
    this.addon.close(this.relay);
    this.callIds.clear();
    return Promise.resolve();
  }

  private handle(msg: ToWorker): WorkerReply {
    const { addon, relay } = this;
    switch (msg.op) {
      case 'sync':
        return this.sync(msg);
      case 'query':
        return { kind: 'reply', req: msg.req, ok: true, stats: workerStats(addon.stats(relay, msg.call)) };
      case 'delete':
        this.callIds.delete(msg.call);
        return { kind: 'reply', req: msg.req, ok: true, stats: workerStats(addon.remove(relay, msg.call)) };
      case 'census': {
        const c = addon.census(relay);
        const realtime = {
          state: c.realtime,
          priority: c.realtimePriority,
          demotions: c.realtimeDemotions,
          ...(c.realtimeError === undefined ? {} : { error: c.realtimeError }),
        };
        return {
          kind: 'reply',
          req: msg.req,
          ok: true,
          census: { calls: c.calls, sockets: c.sockets, realtime },
        };
      }
      case 'shutdown':
        for (const handle of this.callIds.keys()) addon.remove(relay, handle);
        this.callIds.clear();
        return { kind: 'reply', req: msg.req, ok: true };
    }
  }

  /** As WorkerCallTable.sync: make the call's streams, ports and destinations match the plan. */
  private sync(msg: Extract<ToWorker, { op: 'sync' }>): WorkerReply {
    const { addon, relay } = this;
    this.callIds.set(msg.call, msg.callId);
    addon.callSet(relay, msg.call, msg.armed);
    addon.streamKeep(
      relay,
      msg.call,
      msg.streams.map((s) => s.index),
    );
    const failedPorts: number[] = [];
    let lastError = '';
    for (const plan of msg.streams) {
      addon.streamSet(relay, msg.call, plan.index, plan.rtp, plan.clockRates);
      for (let side = 0; side < 2; side++) {
        const leg = plan.legs[side]!;
        const error = addon.legBind(relay, msg.call, plan.index, side, leg.port);
        if (error !== null) {
          failedPorts.push(leg.port);
          lastError = error;
        }
        const e = leg.endpoint;
        addon.legApply(
          relay,
          msg.call,
          plan.index,
          side,
          e !== null,
          e?.address ?? '',
          e?.rtpPort ?? 0,
          e?.rtcpAddress ?? '',
          e?.rtcpPort ?? 0,
          leg.hold,
        );
      }
    }
    if (failedPorts.length > 0)
      return { kind: 'reply', req: msg.req, ok: false, error: lastError, failedPorts };
    return { kind: 'reply', req: msg.req, ok: true };
  }

  private poll(): void {
    if (this.closed) return;
    const { timeouts, events, eventsLost, realtimeDemotions, realtimeOn } = this.addon.poll(
      this.relay,
      this.config.mediaTimeoutMs,
    );
    if (realtimeDemotions !== undefined && realtimeOn !== undefined)
      this.guardNews(realtimeDemotions, realtimeOn);
    for (const e of events) this.event(e);
    if (eventsLost > 0)
      this.log.warn('media relay events not logged (too many at once)', { count: eventsLost });
    for (const handle of timeouts) this.delegate.onMediaTimeout(handle);
  }

  /** Logs the guard dropping this thread to normal scheduling (native/forwarder.h), and its return. */
  private guardNews(demotions: number, on: boolean): void {
    if (demotions > this.demotions)
      this.log.warn(
        'media relay thread busy nearly all the time: dropped to normal priority so that SIP keeps up',
        {
          worker: this.id,
          demotions,
        },
      );
    else if (on && !this.realtimeOn && this.demotions > 0)
      this.log.info('media relay thread back at real-time priority', { worker: this.id });
    this.demotions = demotions;
    this.realtimeOn = on;
  }

  private event([type, call, stream, side, what, legPort, address, port]: NativeEvent): void {
    const fields: LogFields = {
      worker: this.id,
      callId: this.callIds.get(call) ?? null,
      stream,
      side: SIDE_NAMES[side] ?? side,
      port: legPort,
      what: WHAT[what] ?? what,
    };
    if (type === EVENT_LATCHED) {
      if (this.config.debug) this.log.debug('media latched', { ...fields, source: `${address}:${port}` });
      return;
    }
    const latched = this.addon.stats(this.relay, call)?.streams.find((s) => s.index === stream)?.from[
      side
    ]?.source;
    this.log.warn('media from an unexpected source dropped (strict source)', {
      ...fields,
      source: `${address}:${port}`,
      latched: what === 0 ? (latched ?? null) : undefined,
    });
  }
}

function workerStats(stats: NativeCallStats | undefined): WorkerCallStats | undefined {
  return stats;
}
