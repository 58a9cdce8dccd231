import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../engine/log/index.js';
import { decodeTftp, encodeError, TftpErrorCode, TftpOpcode } from './tftp-packet.js';
import { bufferFile, type TftpFile } from './tftp-file.js';
import { TftpReadTransfer, type TftpPeer } from './tftp-transfer.js';

/** What the server serves for a file name: a file, or the TFTP error to answer with. */
export type TftpResolution = { file: TftpFile } | { error: TftpErrorCode; message: string };

export interface TftpServerOptions {
  /** Looks a requested name up; the name is as received (the resolver refuses traversal and absolute paths). */
  resolve(filename: string, peer: TftpPeer): Promise<TftpResolution>;
  log: Logger;
  /** Transfers at once; more get "server busy" (error 0). Default 64. */
  maxTransfers?: number;
  /** Retransmission timeout when the client names none, ms. Default 1000. */
  timeoutMs?: number;
  /** Retransmissions of one packet before a transfer is abandoned. Default 5. */
  retries?: number;
  /**
   * Largest blksize granted. Default 1468: one Ethernet frame, so no IP fragments (which phones and cheap
   * switches handle badly), and a spoofed 40-octet RRQ cannot make the server send 64 KiB datagrams.
   */
  maxBlksize?: number;
}

/** RFC 2348: blksize between 8 and 65464 octets. */
const BLKSIZE_MIN = 8;
export const BLKSIZE_MAX = 65464;

/**
 * A read-only TFTP server (RFC 1350) with option negotiation (RFC 2347 blksize 2348, tsize and timeout
 * 2349). Every RRQ gets its own socket and transfer; WRQ and malformed requests are answered with an
 * ERROR packet from the listening port.
 */
export class TftpServer {
  private socket: dgram.Socket | undefined;
  private readonly transfers = new Set<TftpReadTransfer>();
  private readonly maxTransfers: number;
  private bindHost = '0.0.0.0';
  port = 0;

  constructor(private readonly options: TftpServerOptions) {
    this.maxTransfers = options.maxTransfers ?? 64;
  }

  get activeTransfers(): number {
    return this.transfers.size;
  }

  listen(host: string, port: number): Promise<void> {
    this.bindHost = host;
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.options.log.warn('tftp socket error', { err }));
        socket.on('message', (buf, rinfo) => void this.onRequest(buf, rinfo));
        this.port = socket.address().port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const t of this.transfers) t.abort();
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private reply(peer: TftpPeer, code: TftpErrorCode, message: string): void {
    this.socket?.send(encodeError(code, message), peer.port, peer.address);
  }

  private async onRequest(buf: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const peer: TftpPeer = { address: rinfo.address, port: rinfo.port };
    const log = this.options.log;
    const p = decodeTftp(buf);
    if (!p) {
      this.reply(peer, TftpErrorCode.illegalOperation, 'malformed request');
      return;
    }
    if (p.op === TftpOpcode.WRQ) {
      log.info('tftp write refused', { source: `${peer.address}:${peer.port}`, file: p.filename });
      this.reply(peer, TftpErrorCode.accessViolation, 'this server is read-only');
      return;
    }
    if (p.op !== TftpOpcode.RRQ) {
      // A stray ACK/DATA/ERROR to the listening port belongs to no transfer.
      if (p.op !== TftpOpcode.ERROR) this.reply(peer, TftpErrorCode.unknownTransferId, 'Unknown transfer ID');
      return;
    }
    if (p.mode !== 'octet' && p.mode !== 'netascii') {
      this.reply(peer, TftpErrorCode.illegalOperation, `mode ${p.mode} is not supported (octet, netascii)`);
      return;
    }
    if (this.transfers.size >= this.maxTransfers) {
      log.warn('tftp busy: request refused', { source: peer.address, file: p.filename });
      this.reply(peer, TftpErrorCode.notDefined, 'server busy, try again');
      return;
    }
    let resolution: TftpResolution;
    try {
      resolution = await this.options.resolve(p.filename, peer);
    } catch (err) {
      log.error('tftp: could not produce a file', { file: p.filename, err });
      resolution = { error: TftpErrorCode.notDefined, message: 'internal error' };
    }
    if ('error' in resolution) {
      this.reply(peer, resolution.error, resolution.message);
      return;
    }
    let file = resolution.file;
    if (p.mode === 'netascii' && file.size <= 4 * 1024 * 1024) file = await toNetascii(file);

    // Option negotiation (RFC 2347): acknowledge what we accept, silently drop the rest.
    const oack = new Map<string, string>();
    let blksize = 512;
    let timeoutMs = this.options.timeoutMs ?? 1000;
    const bs = p.options.get('blksize');
    if (bs !== undefined && /^\d+$/.test(bs) && Number(bs) >= BLKSIZE_MIN) {
      blksize = Math.min(Number(bs), this.options.maxBlksize ?? 1468, BLKSIZE_MAX);
      oack.set('blksize', String(blksize));
    }
    const to = p.options.get('timeout');
    if (to !== undefined && /^\d+$/.test(to) && Number(to) >= 1 && Number(to) <= 255) {
      timeoutMs = Number(to) * 1000;
      oack.set('timeout', to);
    }
    if (p.options.has('tsize')) oack.set('tsize', String(file.size)); // RFC 2349: the client sends 0 on RRQ

    const socket = dgram.createSocket(net.isIPv6(this.bindHost) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, this.bindHost, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await file.close();
      log.error('tftp: no socket for a transfer', { err });
      this.reply(peer, TftpErrorCode.notDefined, 'server busy, try again');
      return;
    }
    socket.on('error', () => undefined);
    const transfer = new TftpReadTransfer(socket, peer, file, {
      blksize,
      timeoutMs,
      retries: this.options.retries ?? 5,
      oack,
    });
    this.transfers.add(transfer);
    const started = Date.now();
    transfer.start();
    const result = await transfer.done;
    this.transfers.delete(transfer);
    const fields = {
      source: `${peer.address}:${peer.port}`,
      file: p.filename,
      blksize,
      ms: Date.now() - started,
    };
    if (result.ok) log.debug('tftp transfer done', { ...fields, bytes: result.bytes });
    else log.info('tftp transfer failed', { ...fields, reason: result.reason, detail: result.detail });
  }
}

/** RFC 1350 netascii (RFC 764): LF → CR LF, a lone CR → CR NUL. Only for files that fit in memory. */
async function toNetascii(file: TftpFile): Promise<TftpFile> {
  const data = await file.read(0, file.size);
  await file.close();
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x0a) out.push(0x0d, 0x0a);
    else if (c === 0x0d) {
      if (data[i + 1] === 0x0a) {
        out.push(0x0d, 0x0a);
        i++;
      } else out.push(0x0d, 0x00);
    } else out.push(c);
  }
  return bufferFile(Buffer.from(out));
}
