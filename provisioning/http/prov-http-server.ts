import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../engine/log/index.js';
import type { PhoneRegistry } from '../phone-registry.js';
import type { ProvisioningFiles } from '../provisioning-files.js';
import { UploadStore } from '../upload-store.js';
import { HttpDigest } from './http-digest.js';

export interface ProvHttpServerOptions {
  files: ProvisioningFiles;
  phones: PhoneRegistry;
  uploads: UploadStore;
  log: Logger;
  realm?: string;
}

const HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/**
 * HTTP provisioning (`--prov-port`): GET/HEAD the same files as TFTP; PUT/POST of the logs and local
 * settings phones upload go to a bounded folder. A phone given HTTP credentials gets its files (and may
 * upload under its MAC) only with HTTP digest proof of them; the others are served as over TFTP.
 */
export class ProvHttpServer {
  readonly server: http.Server;
  private readonly digest: HttpDigest;

  constructor(private readonly o: ProvHttpServerOptions) {
    this.digest = new HttpDigest(o.realm ?? 'OfficePBX provisioning');
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
    this.server.maxConnections = 256;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let requested: string;
    try {
      requested = decodeURIComponent(q < 0 ? url : url.slice(0, q));
    } catch {
      this.send(res, 400, 'bad URL');
      return;
    }
    const ua = String(req.headers['user-agent'] ?? '');
    const source = `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? 0}`;
    try {
      if (method === 'GET' || method === 'HEAD') await this.get(req, res, requested, ua, source, method);
      else if (method === 'PUT' || method === 'POST')
        await this.upload(req, res, requested, ua, source, method);
      else {
        res.setHeader('Allow', 'GET, HEAD, PUT, POST');
        this.send(res, 405, 'method not allowed');
      }
    } catch (err) {
      this.o.log.error('provisioning request failed', { method, path: requested.slice(0, 120), err });
      if (!res.headersSent) this.send(res, 500, 'internal error');
      else res.destroy();
    }
  }

  /** The MAC this request proved it holds the HTTP credentials of, or false after answering 401. */
  private authorize(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    mac: string | undefined,
    method: string,
  ): string | undefined | false {
    const phone = mac ? this.o.phones.get(mac) : undefined;
    if (!phone || phone.httpUser === '') return undefined;
    const v = this.digest.verify(req.headers.authorization, method, req.url ?? '/', (user) =>
      user === phone.httpUser ? phone.httpPassword : undefined,
    );
    if (v.ok) return phone.mac;
    this.o.log.info('phone request needs its HTTP credentials', {
      mac: phone.mac,
      source: req.socket.remoteAddress,
      path: req.url?.slice(0, 120),
      tried: req.headers.authorization !== undefined,
    });
    res.setHeader('WWW-Authenticate', this.digest.challenge(!v.ok && v.stale));
    this.send(res, 401, 'credentials required');
    return false;
  }

  private async get(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requested: string,
    ua: string,
    source: string,
    method: string,
  ): Promise<void> {
    const target = this.o.files.identify(requested, ua);
    const mac = target && 'mac' in target.match ? target.match.mac : undefined;
    const auth = this.authorize(req, res, mac, method);
    if (auth === false) return;
    const answer = this.o.files.resolve({
      path: requested,
      protocol: 'http',
      source,
      userAgent: ua,
      authenticatedMac: auth,
    });
    switch (answer.kind) {
      case 'denied':
        this.send(res, 403, answer.message);
        return;
      case 'not-found':
        this.send(res, 404, answer.message);
        return;
      case 'file':
        res.writeHead(200, {
          ...HEADERS,
          'Content-Type': answer.contentType,
          'Content-Length': answer.body.length,
        });
        res.end(method === 'HEAD' ? undefined : answer.body);
        return;
      case 'disk': {
        const st = await fs.promises.stat(answer.filePath);
        res.writeHead(200, { ...HEADERS, 'Content-Type': answer.contentType, 'Content-Length': st.size });
        if (method === 'HEAD') res.end();
        else
          fs.createReadStream(answer.filePath)
            .on('error', () => res.destroy())
            .pipe(res);
        return;
      }
    }
  }

  private async upload(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requested: string,
    ua: string,
    source: string,
    method: string,
  ): Promise<void> {
    const name = requested.replace(/^\/+/, '').toLowerCase();
    if (!UploadStore.validName(name) || !/\.(log|cfg|xml|txt)$/.test(name)) {
      req.resume();
      this.send(res, 403, 'uploads are plain .log, .cfg, .xml or .txt names at the top level');
      return;
    }
    const macMatch = /^(?:[a-z]*)([0-9a-f]{12})/.exec(name);
    const mac = macMatch?.[1];
    const auth = this.authorize(req, res, mac, method);
    if (auth === false) {
      req.resume();
      return;
    }
    const limit = this.o.uploads.maxFileBytes;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      res.setHeader('Connection', 'close');
      this.send(res, 413, 'upload too large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        res.setHeader('Connection', 'close');
        this.send(res, 413, 'upload too large');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    this.o.uploads.write(name, Buffer.concat(chunks));
    if (mac)
      this.o.phones.sighted({
        mac,
        userAgent: ua,
        address: req.socket.remoteAddress ?? '',
        request: {
          protocol: 'http',
          path: `${method} ${requested.slice(0, 180)}`,
          outcome: `stored ${size} bytes`,
          source,
          userAgent: ua.slice(0, 200),
        },
      });
    this.o.log.info('phone upload stored', { source, name, bytes: size });
    this.send(res, method === 'PUT' ? 201 : 200, 'stored');
  }

  private send(res: http.ServerResponse, status: number, text: string): void {
    const body = text + '\n';
    res.writeHead(status, {
      ...HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}
