/**
 * Starts a real rtpengine (userspace, loopback only) for a test file, like shared/rig/rtpengine/run.sh, and
 * small RTP helpers: "phones" that send RTP-looking packets and count what they receive.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NgClient } from '../../../engine/media/rtpengine/ng-client.js';
import { freePort } from '../../support/ports.js';

export const RTPENGINE_PACKAGE = 'rtpengine-daemon';

export interface Rtpengine {
  ng: string;
  ngPort: number;
  portMin: number;
  portMax: number;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** Throws a clear error when the rtpengine binary is missing. */
export function requireRtpengine(): void {
  const r = spawnSync('rtpengine', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(
      `rtpengine is not installed (or does not run: ${r.error?.message ?? r.stderr}). ` +
        `Install the Debian package '${RTPENGINE_PACKAGE}' (apt-get install ${RTPENGINE_PACKAGE}); ` +
        'scripts/install-test-deps.sh should do it.',
    );
}

export async function startRtpengine(): Promise<Rtpengine> {
  requireRtpengine();
  const ngPort = await freePort();
  // A media range of 200 ports in 40000-59799; rtpengine skips ports that happen to be taken.
  // Media ports below the test ports (20000-29999) and the kernel's ephemeral ports (32768 and up).
  const portMin = 12000 + 2 * Math.floor(Math.random() * 3900);
  const portMax = portMin + 199;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'officepbx-rtpengine-'));
  const pidFile = path.join(dir, 'rtpengine.pid');
  const logFile = path.join(dir, 'rtpengine.log');
  const log = fs.openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    'rtpengine',
    [
      // Without this rtpengine also reads /etc/rtpengine/rtpengine.conf (Debian's), which opens fixed CLI and
      // HTTP ports (2224, 2225): a second instance, or the rig's, would then fail to start.
      '--config-file=none',
      '--interface=127.0.0.1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      '--table=-1',
      '--no-fallback',
      `--port-min=${portMin}`,
      `--port-max=${portMax}`,
      `--pidfile=${pidFile}`,
      '--log-stderr',
      '--log-level=4',
      '--foreground',
    ],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('rtpengine did not start');

  const stop = async (): Promise<void> => {
    if (exited) return;
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), 3000);
    await exit;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  // Ready when it answers a ping.
  const probe = new NgClient({ servers: [`127.0.0.1:${ngPort}`], retryTimeoutsMs: [200] });
  try {
    for (let i = 0; i < 50 && !exited; i++) {
      const [r] = await probe.ping();
      if (r?.ok) return { ng: `127.0.0.1:${ngPort}`, ngPort, portMin, portMax, pid, logFile, stop };
    }
  } finally {
    await probe.close();
  }
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
  await stop().catch(() => undefined);
  throw new Error(`rtpengine did not answer ping on 127.0.0.1:${ngPort}; log:\n${text}`);
}

// ---------------------------------------------------------------------------------------------- phones

export const RTP_PACKET_BYTES = 172; // 12-byte RTP header + 160 bytes of G.711 (20 ms)

export interface Phone {
  socket: dgram.Socket;
  port: number;
  ssrc: number;
  /** Sequence numbers of received packets, per sender SSRC. */
  received: Map<number, number[]>;
  receivedFrom(ssrc: number): number[];
  send(toPort: number, count: number, opts?: { intervalMs?: number; startSeq?: number }): Promise<number>;
  close(): Promise<void>;
}

export async function phone(ssrc: number, address = '127.0.0.1'): Promise<Phone> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const received = new Map<number, number[]>();
  socket.on('message', (msg) => {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const from = msg.readUInt32BE(8);
    const list = received.get(from) ?? [];
    list.push(msg.readUInt16BE(2));
    received.set(from, list);
  });
  let seq = 0;
  return {
    socket,
    port: socket.address().port,
    ssrc,
    received,
    receivedFrom: (s) => received.get(s) ?? [],
    async send(toPort, count, opts = {}) {
      if (opts.startSeq !== undefined) seq = opts.startSeq;
      for (let i = 0; i < count; i++) {
        const pkt = Buffer.alloc(RTP_PACKET_BYTES, 0xff); // 0xff: PCMU silence
        pkt[0] = 0x80; // V=2
        pkt[1] = 0; // PT 0 (PCMU)
        pkt.writeUInt16BE(seq & 0xffff, 2);
        pkt.writeUInt32BE((seq * 160) >>> 0, 4);
        pkt.writeUInt32BE(ssrc, 8);
        seq++;
        await new Promise<void>((resolve) => socket.send(pkt, toPort, '127.0.0.1', () => resolve()));
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 5));
      }
      return count;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export function sdpFor(port: number, address = '127.0.0.1', extra = ''): string {
  return (
    'v=0\r\n' +
    `o=phone 4242 1 IN IP4 ${address}\r\n` +
    's=call\r\n' +
    `c=IN IP4 ${address}\r\n` +
    't=0 0\r\n' +
    `m=audio ${port} RTP/AVP 0 8 101\r\n` +
    'a=rtpmap:0 PCMU/8000\r\n' +
    'a=rtpmap:8 PCMA/8000\r\n' +
    'a=rtpmap:101 telephone-event/8000\r\n' +
    'a=fmtp:101 0-15\r\n' +
    extra +
    'a=sendrecv\r\n'
  );
}

/** The address and port of the first audio stream of an SDP (media-level c= wins over session-level). */
export function mediaTarget(sdp: string): { address: string; port: number } {
  const lines = sdp.split(/\r?\n/);
  const mIndex = lines.findIndex((l) => l.startsWith('m=audio '));
  if (mIndex < 0) throw new Error(`no m=audio in SDP:\n${sdp}`);
  const port = Number(lines[mIndex]!.split(' ')[1]);
  const mediaC = lines.slice(mIndex + 1).find((l) => l.startsWith('c='));
  const sessionC = lines.slice(0, mIndex).find((l) => l.startsWith('c='));
  const address = (mediaC ?? sessionC ?? '').split(' ')[2] ?? '';
  return { address, port };
}

export function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = (): void => {
      if (cond()) resolve(true);
      else if (Date.now() > until) resolve(false);
      else setTimeout(tick, stepMs);
    };
    tick();
  });
}
