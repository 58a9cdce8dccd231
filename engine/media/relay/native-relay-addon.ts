import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An instance of the native relay: one forwarding thread and its sockets (opaque to JavaScript). */
export type NativeRelayInstance = { readonly __nativeRelay: unique symbol };

/** The functions of `officepbx_relay.node` (engine/media/relay/native/relay.c, which documents each). */
export interface NativeRelayAddon {
  create(
    bind: string,
    strictSource: boolean,
    debug: boolean,
    rtPriority?: number,
    guardBusy?: number,
    guardMs?: number,
  ): NativeRelayInstance;
  threadId(relay: NativeRelayInstance): number;
  callSet(relay: NativeRelayInstance, call: number, armed: boolean): void;
  streamKeep(relay: NativeRelayInstance, call: number, indexes: number[]): void;
  streamSet(
    relay: NativeRelayInstance,
    call: number,
    index: number,
    rtp: boolean,
    clockRates: number[],
  ): void;
  legBind(relay: NativeRelayInstance, call: number, index: number, side: number, port: number): string | null;
  legApply(
    relay: NativeRelayInstance,
    call: number,
    index: number,
    side: number,
    hasEndpoint: boolean,
    address: string,
    rtpPort: number,
    rtcpAddress: string,
    rtcpPort: number,
    hold: boolean,
  ): void;
  stats(relay: NativeRelayInstance, call: number): NativeCallStats | undefined;
  remove(relay: NativeRelayInstance, call: number): NativeCallStats | undefined;
  census(relay: NativeRelayInstance): NativeCensus;
  poll(relay: NativeRelayInstance, mediaTimeoutMs: number): NativePoll;
  close(relay: NativeRelayInstance): void;
}

export interface NativeCensus {
  calls: number;
  sockets: number;
  forwarded: number;
  realtime: 'on' | 'off' | 'denied' | 'throttled';
  realtimePriority: number;
  realtimeDemotions: number;
  /** Why the system refused real-time scheduling (strerror), when `realtime` is `denied`. */
  realtimeError?: string;
}

export interface NativeCallStats {
  streams: {
    index: number;
    from: [NativeDirectionStats, NativeDirectionStats];
  }[];
  idleMs: number;
}

export interface NativeDirectionStats {
  packets: number;
  bytes: number;
  lost: number;
  jitterMs: number;
  source: string | null;
  rtcpPackets: number;
  dropped: number;
}

/** Event rows: [type (1 latched, 2 first drop), call, stream, side, what (0 RTP, 1 RTCP), leg port, address, port]. */
export type NativeEvent = [number, number, number, number, number, number, string, number];

export interface NativePoll {
  timeouts: number[];
  events: NativeEvent[];
  eventsLost: number;
  /** Guard demotions so far and whether the thread is real-time now; absent when the poll found the lock taken. */
  realtimeDemotions?: number;
  realtimeOn?: boolean;
}

/**
 * Where `npm run build` puts the addon (scripts/build-native.js): beside this file's compiled output, so
 * dist/ is self-contained.
 */
const ADDON = new URL('./native/officepbx_relay.node', import.meta.url);

let loaded: { addon: NativeRelayAddon | null; reason: string } | undefined;

/**
 * The native relay addon, or null with the reason it is not there (not built: no C compiler when the
 * package was installed, or a platform without epoll). `PBX_RELAY_NATIVE=0` turns it off.
 */
export function loadNativeRelay(): { addon: NativeRelayAddon | null; reason: string } {
  if (loaded) return loaded;
  if (process.env.PBX_RELAY_NATIVE === '0') return (loaded = { addon: null, reason: 'PBX_RELAY_NATIVE=0' });
  if (process.platform !== 'linux')
    return (loaded = {
      addon: null,
      reason: `the native relay needs Linux (epoll), not ${process.platform}`,
    });
  const require = createRequire(import.meta.url);
  const file = fileURLToPath(ADDON);
  if (!fs.existsSync(file))
    return (loaded = {
      addon: null,
      reason: `${file} was not built (npm run build builds it; needs g++, make and python3)`,
    });
  try {
    return (loaded = { addon: require(file) as NativeRelayAddon, reason: '' });
  } catch (err) {
    return (loaded = { addon: null, reason: `${file} did not load: ${(err as Error).message}` });
  }
}
