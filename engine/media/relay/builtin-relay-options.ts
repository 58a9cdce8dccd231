import type { Logger } from '../../log/index.js';

export interface BuiltinRelayOptions {
  /** Written into every rewritten SDP (`--advertise`): the IPv4 address phones send media to. */
  advertise: string;
  /** Local IPv4 address the relay's sockets bind (`--bind`), e.g. 0.0.0.0. */
  bind: string;
  /** `--rtp-ports A-B`: RTP on even ports, RTCP on the odd port above each. */
  portMin: number;
  portMax: number;
  /** Forwarding threads; default one with the native addon, else one per core (os.availableParallelism()). */
  workers?: number;
  /**
   * Native forwarding threads ask for real-time scheduling (SCHED_RR) at this priority, 1-99; 0 = normal
   * scheduling. Default 0; the engine passes `--relay-realtime` (default 10). Where the system refuses
   * (no root, CAP_SYS_NICE or RLIMIT_RTPRIO) the relay says so in the log and runs at normal priority.
   */
  realtimePriority?: number;
  /** Tests: the guard that drops a busy real-time thread to normal scheduling (native/forwarder.h). */
  realtimeGuard?: { busy: number; windowMs: number };
  /** Report a call through onMediaTimeout after this long with no packet either way; 0 = never. Default 60. */
  mediaTimeoutSeconds?: number;
  /** Once a phone's source is latched, drop packets from any other source. Default false. */
  strictSource?: boolean;
  /**
   * What forwards packets: `native`, the C addon's threads (epoll, recvmmsg/sendmmsg; native/relay.c), or
   * `js`, Node worker threads with dgram sockets. Default: native when the addon is built, else js (with a
   * log line saying why). `native` when it is not built falls back to js the same way.
   */
  engine?: 'native' | 'js';
  log: Logger;
}
