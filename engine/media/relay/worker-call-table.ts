import type { LogFields } from '../../log/index.js';
import type { LegEvents, RelayLeg } from './relay-leg.js';
import { RelayStream } from './relay-stream.js';
import { bindUdp, closeUdp } from './udp-socket.js';
import { WorkerCall } from './worker-call.js';
import type { FromWorker, ToWorker, WorkerCallStats, WorkerConfig, WorkerReply } from './worker-protocol.js';

const SIDE_NAMES = ['caller', 'callee'] as const;

/**
 * A forwarding worker's state: the calls assigned to it and their sockets. Control messages make a call's
 * sockets and destinations match the plan the main thread sends; packets never leave this thread.
 */
export class WorkerCallTable {
  private readonly calls = new Map<number, WorkerCall>();
  private sockets = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly events: LegEvents;

  constructor(
    private readonly config: WorkerConfig,
    private readonly post: (msg: FromWorker) => void,
  ) {
    this.events = {
      latched: (leg, what, source) => {
        if (config.debug) this.log('debug', 'media latched', { ...this.legFields(leg), what, source });
      },
      firstDrop: (leg, what, address, port) =>
        this.log('warn', 'media from an unexpected source dropped (strict source)', {
          ...this.legFields(leg),
          what,
          source: `${address}:${port}`,
          latched: (what === 'rtp' ? leg.rtpLatch : leg.rtcpLatch).toString(),
        }),
    };
    if (config.mediaTimeoutMs > 0) {
      const every = Math.min(1000, Math.max(50, config.mediaTimeoutMs / 4));
      this.timer = setInterval(() => this.checkTimeouts(), every);
    }
  }

  async handle(msg: ToWorker): Promise<void> {
    let reply: WorkerReply;
    try {
      switch (msg.op) {
        case 'sync':
          reply = await this.sync(msg);
          break;
        case 'query':
          reply = { kind: 'reply', req: msg.req, ok: true, stats: this.statsOf(this.calls.get(msg.call)) };
          break;
        case 'delete':
          reply = { kind: 'reply', req: msg.req, ok: true, stats: await this.remove(msg.call) };
          break;
        case 'census':
          reply = {
            kind: 'reply',
            req: msg.req,
            ok: true,
            census: { calls: this.calls.size, sockets: this.sockets },
          };
          break;
        case 'shutdown':
          if (this.timer) clearInterval(this.timer);
          for (const handle of [...this.calls.keys()]) await this.remove(handle);
          reply = { kind: 'reply', req: msg.req, ok: true };
          break;
      }
    } catch (err) {
      reply = { kind: 'reply', req: msg.req, ok: false, error: (err as Error).message, failedPorts: [] };
    }
    this.post(reply);
  }

  private async sync(msg: Extract<ToWorker, { op: 'sync' }>): Promise<WorkerReply> {
    const now = performance.now();
    let call = this.calls.get(msg.call);
    if (!call) {
      call = new WorkerCall(msg.call, msg.callId, now);
      this.calls.set(msg.call, call);
    }
    call.callId = msg.callId;
    call.armed = msg.armed;
    call.lastSyncMs = now;
    const wanted = new Set(msg.streams.map((s) => s.index));
    for (const [index, stream] of call.streams) {
      if (wanted.has(index)) continue;
      call.streams.delete(index);
      await this.closeStream(stream);
    }
    const failedPorts: number[] = [];
    let lastError = '';
    for (const plan of msg.streams) {
      let stream = call.streams.get(plan.index);
      if (!stream) {
        stream = new RelayStream(call, plan.index, this.config.strictSource, this.events);
        call.streams.set(plan.index, stream);
      }
      stream.rtp = plan.rtp;
      stream.setClockRates(plan.clockRates);
      for (const leg of stream.legs) {
        const legPlan = plan.legs[leg.side];
        if (leg.port !== legPlan.port) {
          await this.closeLeg(leg);
          if (legPlan.port !== 0) {
            try {
              await this.openLeg(leg, legPlan.port);
            } catch (err) {
              failedPorts.push(legPlan.port);
              lastError = (err as Error).message;
            }
          }
        }
        leg.apply(legPlan);
      }
    }
    if (failedPorts.length > 0)
      return { kind: 'reply', req: msg.req, ok: false, error: lastError, failedPorts };
    return { kind: 'reply', req: msg.req, ok: true };
  }

  private async openLeg(leg: RelayLeg, port: number): Promise<void> {
    const rtp = await bindUdp(port, this.config.bind);
    let rtcp;
    try {
      rtcp = await bindUdp(port + 1, this.config.bind);
    } catch (err) {
      await closeUdp(rtp);
      throw err;
    }
    this.sockets += 2;
    const onError = (err: Error): void =>
      this.log('warn', 'media socket error', { ...this.legFields(leg), err: err.message });
    rtp.on('message', (msg, rinfo) => leg.onRtp(msg, rinfo));
    rtcp.on('message', (msg, rinfo) => leg.onRtcp(msg, rinfo));
    rtp.on('error', onError);
    rtcp.on('error', onError);
    leg.rtpSocket = rtp;
    leg.rtcpSocket = rtcp;
    leg.port = port;
    leg.refresh();
    leg.other.refresh();
  }

  private async closeLeg(leg: RelayLeg): Promise<void> {
    const { rtpSocket, rtcpSocket } = leg;
    leg.rtpSocket = null;
    leg.rtcpSocket = null;
    leg.port = 0;
    leg.refresh();
    if (rtpSocket) {
      await closeUdp(rtpSocket);
      this.sockets--;
    }
    if (rtcpSocket) {
      await closeUdp(rtcpSocket);
      this.sockets--;
    }
  }

  private async closeStream(stream: RelayStream): Promise<void> {
    for (const leg of stream.legs) await this.closeLeg(leg);
  }

  /** Closes the call's sockets (resolving once the ports can be bound again) and returns its final stats. */
  private async remove(handle: number): Promise<WorkerCallStats | undefined> {
    const call = this.calls.get(handle);
    if (!call) return undefined;
    this.calls.delete(handle);
    const stats = this.statsOf(call);
    for (const stream of call.streams.values()) await this.closeStream(stream);
    return stats;
  }

  private statsOf(call: WorkerCall | undefined): WorkerCallStats | undefined {
    if (!call) return undefined;
    return {
      streams: [...call.streams.values()].map((s) => s.snapshot()),
      idleMs: Math.round(call.idleMs(performance.now())),
    };
  }

  private checkTimeouts(): void {
    const now = performance.now();
    const limit = this.config.mediaTimeoutMs;
    for (const call of this.calls.values()) {
      const quiet = call.quietMs(now);
      if (call.timeoutReported) {
        if (quiet < limit) call.timeoutReported = false; // media came back: report again if it stops again
      } else if (call.armed && quiet >= limit) {
        call.timeoutReported = true;
        this.post({ kind: 'timeout', call: call.handle });
      }
    }
  }

  private legFields(leg: RelayLeg): LogFields {
    return {
      callId: leg.stream.call.callId,
      stream: leg.stream.index,
      side: SIDE_NAMES[leg.side],
      port: leg.port,
    };
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: LogFields): void {
    this.post({ kind: 'log', level, msg, fields });
  }
}
