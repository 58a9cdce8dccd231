/** Helpers for the media tests: a UDP "phone", RTP packets, SDP bodies, a quiet logger, polling. */
import dgram from 'node:dgram';
import { LogRoot, type LogLevel, type Logger } from '../../engine/log/index.js';
import { BuiltinRelay, type BuiltinRelayOptions } from '../../engine/media/index.js';

export const LOOPBACK = '127.0.0.1';

/** A logger whose lines are kept for assertions (and printed with MEDIA_TEST_LOG=1). */
export function testLog(level: LogLevel = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const root = new LogRoot(level, {
    write: (line) => {
      lines.push(line);
      if (process.env.MEDIA_TEST_LOG) process.stderr.write(line);
    },
  });
  return { log: root.logger('media.relay'), lines };
}

/**
 * Both ways the built-in relay can forward: the native addon (the default where it is built) and Node
 * worker threads (its fallback). The relay test files run every test on each.
 */
export const RELAY_ENGINES = ['native', 'js'] as const;
export type RelayEngine = (typeof RELAY_ENGINES)[number];

/** relay(), forwarding with `engine`. */
export function relayOn(
  engine: RelayEngine,
): (portMin: number, portMax: number, extra?: Partial<BuiltinRelayOptions>) => BuiltinRelay {
  return (portMin, portMax, extra = {}) => relay(portMin, portMax, { engine, ...extra });
}

export function relay(
  portMin: number,
  portMax: number,
  extra: Partial<BuiltinRelayOptions> = {},
): BuiltinRelay {
  return new BuiltinRelay({
    advertise: LOOPBACK,
    bind: LOOPBACK,
    portMin,
    portMax,
    workers: 2,
    log: testLog('info').log,
    ...extra,
  });
}

/** An RTP packet (RFC 3550 §5.1): version 2, no padding/extension/CSRC, 160 bytes of payload by default. */
export function rtp(seq: number, timestamp: number, ssrc: number, pt = 0, payload = 160): Buffer {
  const b = Buffer.alloc(12 + payload);
  b[0] = 0x80;
  b[1] = pt & 0x7f;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(timestamp >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** A minimal RTCP receiver report (RFC 3550 §6.4.2) with no report blocks. */
export function rtcpRr(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

export interface Received {
  data: Buffer;
  address: string;
  port: number;
}

class Endpoint {
  readonly received: Received[] = [];
  constructor(readonly socket: dgram.Socket) {
    socket.on('message', (data, rinfo) =>
      this.received.push({ data, address: rinfo.address, port: rinfo.port }),
    );
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(data: Buffer, port: number, address = LOOPBACK): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(data, port, address, (e) => (e ? reject(e) : resolve())),
    );
  }
}

/** A phone's media: an RTP socket and an RTCP socket (announced with a=rtcp), on ephemeral loopback ports. */
export class Phone {
  private constructor(
    readonly rtp: Endpoint,
    readonly rtcp: Endpoint,
  ) {}

  static async open(): Promise<Phone> {
    return new Phone(new Endpoint(await bound()), new Endpoint(await bound()));
  }

  /** An SDP offer/answer for this phone (overrides for the tests that lie about addresses). */
  sdp(opts: Partial<AudioSdp> = {}): string {
    return audioSdp({ address: LOOPBACK, port: this.rtp.port, rtcpPort: this.rtcp.port, ...opts });
  }

  close(): void {
    this.rtp.socket.close();
    this.rtcp.socket.close();
  }
}

async function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, LOOPBACK, resolve));
  return s;
}

export interface AudioSdp {
  address: string;
  port: number;
  rtcpPort?: number;
  direction: string;
  /** Session version (o= line). */
  version: number;
}

export function audioSdp(o: Partial<AudioSdp> & { port: number }): string {
  const address = o.address ?? LOOPBACK;
  return [
    'v=0',
    `o=phone 1000 ${o.version ?? 1} IN IP4 ${address === '0.0.0.0' ? LOOPBACK : address}`,
    's=call',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    ...(o.rtcpPort !== undefined ? [`a=rtcp:${o.rtcpPort}`] : []),
    'a=ptime:20',
    `a=${o.direction ?? 'sendrecv'}`,
    '',
  ].join('\r\n');
}

/** The port of the n-th m-line of an SDP. */
export function mPort(sdp: string, n = 0): number {
  const ports = [...sdp.matchAll(/^m=\S+ (\d+)/gm)].map((m) => Number(m[1]));
  const port = ports[n];
  if (port === undefined) throw new Error(`no m-line ${n} in\n${sdp}`);
  return port;
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A call's two tags and id, unique per test. */
let callSeq = 0;
export function callKey(prefix = 'call'): { callId: string; fromTag: string; toTag: string } {
  callSeq++;
  return { callId: `${prefix}-${callSeq}@test`, fromTag: `a${callSeq}`, toTag: `b${callSeq}` };
}
