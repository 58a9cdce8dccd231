/**
 * The typed contract between the relay's control (main thread) and its forwarding workers. The main
 * thread owns the port pool and call state and sends each call's full desired state ("sync"); a worker
 * owns the UDP sockets of its calls and makes them match. Sides are indexed 0 = caller, 1 = callee.
 */
import type { LogFields, LogLevel } from '../../log/index.js';
import type { MediaEndpoint } from '../sdp/sdp-stream.js';

export const CALLER = 0;
export const CALLEE = 1;
export type Side = typeof CALLER | typeof CALLEE;

export interface WorkerConfig {
  bind: string;
  strictSource: boolean;
  /** 0 = no media timeout. */
  mediaTimeoutMs: number;
  /** Post debug-level events (latching) to the main thread's log. */
  debug: boolean;
  /** Native threads only: SCHED_RR priority to ask for, 0 = normal scheduling (BuiltinRelayOptions). */
  realtimePriority: number;
  /** Native threads only: the guard that drops a thread to normal scheduling (native/forwarder.h). */
  realtimeGuard?: { busy: number; windowMs: number };
}

/** One phone's side of a stream, as the worker should set it up. */
export interface LegPlan {
  /** Relay RTP port facing this side (this side sends there; we send to it from there); 0 = none yet. */
  port: number;
  /** Where this side receives, from its latest SDP; null while unknown or on hold. */
  endpoint: MediaEndpoint | null;
  /** The side's SDP said `c=0.0.0.0`: send it nothing until it resumes. */
  hold: boolean;
}

export interface StreamPlan {
  /** m-line index. */
  index: number;
  /** Parse RTP headers for statistics (false for non-RTP UDP media, e.g. T.38 UDPTL). */
  rtp: boolean;
  legs: [LegPlan, LegPlan];
  /** Payload type → clock rate, flattened: [pt, rate, pt, rate, …]. */
  clockRates: number[];
}

export type ToWorker =
  | {
      op: 'sync';
      req: number;
      call: number;
      callId: string;
      /** Count idle time towards the media timeout (answered and not entirely on hold). */
      armed: boolean;
      streams: StreamPlan[];
    }
  | { op: 'query'; req: number; call: number }
  | { op: 'delete'; req: number; call: number }
  | { op: 'census'; req: number }
  | { op: 'shutdown'; req: number };

export interface WorkerDirectionStats {
  packets: number;
  bytes: number;
  lost: number;
  jitterMs: number;
  source: string | null;
  rtcpPackets: number;
  dropped: number;
}

export interface WorkerStreamStats {
  index: number;
  /** Indexed by the sending side: [from the caller, from the callee]. */
  from: [WorkerDirectionStats, WorkerDirectionStats];
}

export interface WorkerCallStats {
  streams: WorkerStreamStats[];
  idleMs: number;
}

export interface WorkerCensus {
  calls: number;
  sockets: number;
  /** Native threads: their scheduling (RealtimeState); worker threads leave it out. */
  realtime?: RealtimeState;
}

/**
 * A native forwarding thread's scheduling: `on` (real-time, at `priority`), `off` (not asked for),
 * `denied` (the system refused; `error` says why) or `throttled` (dropped to normal by the guard after
 * being busy nearly all the time, `demotions` times so far; it goes back up when the load falls).
 */
export interface RealtimeState {
  state: 'on' | 'off' | 'denied' | 'throttled';
  priority: number;
  demotions: number;
  error?: string;
}

export type WorkerReply =
  | { kind: 'reply'; req: number; ok: true; stats?: WorkerCallStats; census?: WorkerCensus }
  | { kind: 'reply'; req: number; ok: false; error: string; failedPorts: number[] };

export type FromWorker =
  | WorkerReply
  | { kind: 'timeout'; call: number }
  | { kind: 'log'; level: Exclude<LogLevel, 'silent'>; msg: string; fields: LogFields };
