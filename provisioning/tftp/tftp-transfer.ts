import type dgram from 'node:dgram';
import { decodeTftp, encodeData, encodeError, encodeOack, TftpErrorCode, TftpOpcode } from './tftp-packet.js';
import type { TftpFile } from './tftp-file.js';

export interface TftpPeer {
  address: string;
  port: number;
}

/** How one read transfer ended. */
export type TftpTransferResult =
  | { ok: true; bytes: number; blocks: number }
  | { ok: false; reason: 'timeout' | 'peer-error' | 'read-error' | 'closed'; detail?: string };

export interface TftpTransferSettings {
  /** Octets per DATA packet, 512 unless negotiated (RFC 2348). */
  blksize: number;
  /** Retransmission timeout (RFC 2349 "timeout", in seconds on the wire). */
  timeoutMs: number;
  /** Retransmissions of one packet before giving up. */
  retries: number;
  /** Options to acknowledge in an OACK; empty = no OACK, DATA 1 is sent at once (RFC 2347 §"Option Acknowledgment"). */
  oack: ReadonlyMap<string, string>;
}

type State = 'negotiating' | 'sending' | 'done';

/**
 * One RRQ served from its own socket (its transfer identifier, RFC 1350 §4). Lock-step: DATA n is sent and
 * retransmitted on timeout until ACK n arrives. A duplicate ACK never triggers a resend (the "Sorcerer's
 * Apprentice" bug, RFC 1123 §4.2.3.1): only the timer does. Block numbers are 16 bits and roll over from
 * 65535 to 0, so files longer than 65535 blocks (32 MiB at 512 octets) go through; tftp-hpa, atftp and
 * phones' clients accept the wrap.
 */
export class TftpReadTransfer {
  private state: State = 'negotiating';
  /** Index of the block in flight, from 1; 0 while the OACK waits for ACK 0. */
  private block = 0;
  private readonly lastBlock: number;
  private lastPacket: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private bytes = 0;
  private finish!: (r: TftpTransferResult) => void;
  readonly done: Promise<TftpTransferResult>;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly peer: TftpPeer,
    private readonly file: TftpFile,
    private readonly settings: TftpTransferSettings,
  ) {
    // A file that is an exact multiple of blksize ends with an empty block (RFC 1350 §6).
    this.lastBlock = Math.floor(file.size / settings.blksize) + 1;
    this.done = new Promise((resolve) => (this.finish = resolve));
    socket.on('message', (buf, rinfo) => this.onMessage(buf, rinfo));
  }

  start(): void {
    if (this.settings.oack.size > 0) this.transmit(encodeOack(this.settings.oack));
    else void this.sendBlock(1);
  }

  /** Stops at once (server shutdown). */
  abort(): void {
    this.end({ ok: false, reason: 'closed' });
  }

  private onMessage(buf: Buffer, rinfo: { address: string; port: number }): void {
    if (this.state === 'done') return;
    if (rinfo.address !== this.peer.address || rinfo.port !== this.peer.port) {
      // RFC 1350 §4: a packet from another TID gets an error and must not disturb this transfer.
      this.socket.send(
        encodeError(TftpErrorCode.unknownTransferId, 'Unknown transfer ID'),
        rinfo.port,
        rinfo.address,
      );
      return;
    }
    const p = decodeTftp(buf);
    if (!p) return;
    if (p.op === TftpOpcode.ERROR) {
      this.end({ ok: false, reason: 'peer-error', detail: `${p.code} ${p.message}` });
      return;
    }
    if (p.op !== TftpOpcode.ACK) {
      this.socket.send(
        encodeError(TftpErrorCode.illegalOperation, 'only ACK is expected here'),
        this.peer.port,
        this.peer.address,
      );
      this.end({ ok: false, reason: 'peer-error', detail: `opcode ${p.op}` });
      return;
    }
    if (p.block !== (this.block & 0xffff)) return; // an old duplicate: wait for the timer
    if (this.state === 'sending' && this.block === this.lastBlock) {
      this.end({ ok: true, bytes: this.bytes, blocks: this.lastBlock });
      return;
    }
    void this.sendBlock(this.block + 1);
  }

  private async sendBlock(n: number): Promise<void> {
    this.state = 'sending';
    this.block = n;
    this.clearTimer();
    let data: Buffer;
    try {
      data = await this.file.read((n - 1) * this.settings.blksize, this.settings.blksize);
    } catch (err) {
      this.socket.send(
        encodeError(TftpErrorCode.notDefined, 'read error'),
        this.peer.port,
        this.peer.address,
      );
      this.end({ ok: false, reason: 'read-error', detail: String(err) });
      return;
    }
    if (this.state !== 'sending' || this.block !== n) return; // aborted meanwhile
    this.bytes += data.length;
    this.transmit(encodeData(n, data));
  }

  private transmit(packet: Buffer): void {
    this.lastPacket = packet;
    this.attempts = 0;
    this.send();
  }

  private send(): void {
    this.socket.send(this.lastPacket, this.peer.port, this.peer.address);
    this.clearTimer();
    this.timer = setTimeout(() => this.onTimeout(), this.settings.timeoutMs);
  }

  private onTimeout(): void {
    if (this.state === 'done') return;
    if (++this.attempts > this.settings.retries) {
      this.end({ ok: false, reason: 'timeout', detail: `no ACK for block ${this.block}` });
      return;
    }
    this.send();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private end(result: TftpTransferResult): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.clearTimer();
    void this.file.close().catch(() => undefined);
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
    this.finish(result);
  }
}
