import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The console may talk to its own server only; styles may be inline (React style attributes). */
const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface CachedFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/**
 * Serves the built console (Vite's output) for every GET that is not the API: files by path, and
 * `index.html` for the console's own routes (`/users`, `/calls/…`) so a reload or a bookmark works.
 * Nothing outside the folder is reachable; files are read once and kept.
 */
export class ConsoleFiles {
  private readonly cache = new Map<string, CachedFile | null>();

  constructor(private readonly root: string) {}

  /** Whether a console build exists (the API still works without one). */
  available(): boolean {
    return fs.existsSync(path.join(this.root, 'index.html'));
  }

  serve(req: IncomingMessage, res: ServerResponse, rawPath: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    let file = this.lookup(rawPath);
    if (!file && path.extname(rawPath) === '') file = this.load('index.html');
    if (!file) {
      res.writeHead(404, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(this.available() ? 'not found\n' : 'the console is not built: run npm run build\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': file.body.length,
      'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  private lookup(rawPath: string): CachedFile | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null;
    const relative = path.posix.normalize(decoded).replace(/^\/+/, '');
    if (relative === '' || relative === '.') return this.load('index.html');
    if (relative.split('/').some((s) => s === '..' || s.startsWith('.'))) return null;
    return this.load(relative);
  }

  private load(relative: string): CachedFile | null {
    const cached = this.cache.get(relative);
    if (cached !== undefined) return cached;
    const full = path.join(this.root, relative);
    let file: CachedFile | null = null;
    if (full.startsWith(this.root + path.sep)) {
      try {
        const body = fs.readFileSync(full);
        file = {
          body,
          type: TYPES[path.extname(full)] ?? 'application/octet-stream',
          immutable: relative.startsWith('assets/'),
        };
      } catch {
        file = null;
      }
    }
    // Misses are not cached: a console built after start is picked up.
    if (file) this.cache.set(relative, file);
    return file;
  }
}
