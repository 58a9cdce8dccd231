import crypto from 'node:crypto';

/** The console's session cookie. */
export const SESSION_COOKIE = 'pbx_session';

export interface SessionOptions {
  /** A session unused for this long ends (30 minutes by default). */
  idleMs?: number;
  /** A session ends this long after login whatever happens (12 hours by default). */
  maxAgeMs?: number;
  /** Most sessions at once; the least recently used goes first (100 by default). */
  maxSessions?: number;
  now?: () => number;
}

interface Session {
  created: number;
  lastSeen: number;
}

/**
 * Console logins. A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie; only its
 * SHA-256 is kept, so the table is no use to someone who reads memory dumps or logs. Sessions end after an
 * idle time, at a maximum age, on logout, and all at once when the admin password changes.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: SessionOptions = {}) {
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 12 * 3600_000;
    this.maxSessions = options.maxSessions ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Starts a session; returns its token (the cookie's value). */
  create(): string {
    this.sweep();
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const token = crypto.randomBytes(32).toString('base64url');
    const t = this.now();
    this.sessions.set(digest(token), { created: t, lastSeen: t });
    return token;
  }

  /** True when the token names a live session; using it keeps it alive. */
  touch(token: string): boolean {
    const key = digest(token);
    const s = this.sessions.get(key);
    if (!s) return false;
    const t = this.now();
    if (t - s.lastSeen > this.idleMs || t - s.created > this.maxAgeMs) {
      this.sessions.delete(key);
      return false;
    }
    s.lastSeen = t;
    // Re-insert so that Map order is least recently used first.
    this.sessions.delete(key);
    this.sessions.set(key, s);
    return true;
  }

  end(token: string): void {
    this.sessions.delete(digest(token));
  }

  endAll(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Seconds a fresh cookie should live in the browser (the maximum age). */
  get cookieMaxAgeSeconds(): number {
    return Math.floor(this.maxAgeMs / 1000);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, s] of this.sessions)
      if (t - s.lastSeen > this.idleMs || t - s.created > this.maxAgeMs) this.sessions.delete(k);
  }
}

function digest(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url');
}

/** The value of one cookie in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
