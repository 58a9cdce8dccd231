// A phone's audio for media-application tests: one UDP socket on loopback that keeps every RTP packet it
// receives (header fields, payload, arrival time) and sends G.711 payloads at a steady 20 ms pace and
// RFC 4733 key presses (start and update packets, then the end packet three times, as phones do).
// Bounded: every send loop has a fixed count; every wait has a deadline.
import dgram from 'node:dgram';
import { execFileSync, spawnSync } from 'node:child_process';

export interface ReceivedRtp {
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
  /** performance.now() at arrival. */
  at: number;
}

const DTMF = '0123456789*#ABCD';

export class RtpAudioPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: ReceivedRtp[] = [];
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  private seq = Math.floor(Math.random() * 30000);
  /** RTP timestamp of the next audio frame. */
  private ts = Math.floor(Math.random() * 1e9);
  private closed = false;

  static async open(): Promise<RtpAudioPeer> {
    const p = new RtpAudioPeer();
    p.socket.on('error', () => undefined);
    await new Promise<void>((r) => p.socket.bind(0, '127.0.0.1', () => r()));
    p.socket.on('message', (data) => {
      if (data.length < 12) return;
      p.received.push({
        payloadType: data[1]! & 0x7f,
        marker: (data[1]! & 0x80) !== 0,
        seq: data.readUInt16BE(2),
        timestamp: data.readUInt32BE(4),
        ssrc: data.readUInt32BE(8),
        payload: Buffer.from(data.subarray(12)),
        at: performance.now(),
      });
    });
    return p;
  }

  get port(): number {
    return this.socket.address().port;
  }

  private packet(pt: number, marker: boolean, ts: number, payload: Buffer): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | pt;
    h.writeUInt16BE(this.seq, 2);
    this.seq = (this.seq + 1) & 0xffff;
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    return Buffer.concat([h, payload]);
  }

  private send(pkt: Buffer, port: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.send(pkt, port, '127.0.0.1', () => resolve()));
  }

  /** Sends `data` (G.711 bytes) as 160-byte frames, one every 20 ms on a drift-free schedule. */
  async sendAudio(port: number, data: Buffer, pt = 0): Promise<void> {
    const start = performance.now();
    const frames = Math.floor(data.length / 160);
    for (let i = 0; i < frames && !this.closed; i++) {
      const wait = start + 20 * i - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await this.send(this.packet(pt, i === 0, this.ts, data.subarray(160 * i, 160 * i + 160)), port);
      this.ts += 160;
    }
  }

  /** One key press as RFC 4733 events: 3 updates and 3 end packets, 20 ms apart, one timestamp. */
  async sendDigit(port: number, digit: string, pt = 101): Promise<void> {
    const event = DTMF.indexOf(digit);
    if (event < 0) throw new Error(`not a DTMF digit: ${digit}`);
    const ts = this.ts;
    for (let i = 1; i <= 6 && !this.closed; i++) {
      const end = i > 3;
      const payload = Buffer.from([event, (end ? 0x80 : 0) | 10, 0, 0]);
      payload.writeUInt16BE(160 * Math.min(i, 4), 2);
      await this.send(this.packet(pt, i === 1, ts, payload), port);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.ts += 160 * 6;
  }

  /** Waits until `pred` holds for the received packets; false after `ms`. */
  async until(pred: (r: ReceivedRtp[]) => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pred(this.received)) {
      if (Date.now() > end || this.closed) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

/** `seconds` of a `freq` Hz sine at half scale, G.711-encoded by sox (independent of the engine's codec). */
export function soxTone(freq: number, seconds: number, encoding: 'u-law' | 'a-law' = 'u-law'): Buffer {
  return execFileSync('sox', [
    '-n',
    '-r',
    '8000',
    '-c',
    '1',
    '-e',
    encoding,
    '-t',
    'raw',
    '-',
    'synth',
    String(seconds),
    'sine',
    String(freq),
    'vol',
    '0.5',
  ]);
}

/** sox's rough frequency estimate of a WAV file (`stat`), and its length in seconds. */
export function soxStat(file: string): { roughFrequency: number; seconds: number } {
  // stat reports on standard error; a file sox cannot read makes it exit non-zero.
  const r = spawnSync('sox', [file, '-n', 'stat'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sox cannot read ${file}: ${r.stderr}`);
  return { roughFrequency: NaN, seconds: NaN, ...parseStat(r.stderr) };
}

function parseStat(text: string): { roughFrequency?: number; seconds?: number } {
  const f = /Rough\s+frequency:\s+(\d+)/.exec(text);
  const l = /Length \(seconds\):\s+([\d.]+)/.exec(text);
  const out: { roughFrequency?: number; seconds?: number } = {};
  if (f) out.roughFrequency = Number(f[1]);
  if (l) out.seconds = Number(l[1]);
  return out;
}
