import crypto from 'node:crypto';
import { randomBytesPooled } from '../core/random-pool.js';

export type NonceCheck = 'valid' | 'stale' | 'invalid' | 'replay';

/**
 * Nonces are self-validating (timestamp + random + HMAC), so any nonce we issued can be checked without
 * state; nonce-counts seen are remembered per nonce until it expires, to refuse replays (RFC 7616 §3.4).
 */
export class NonceManager {
  private readonly key = crypto.randomBytes(32);
  /** nonce → highest nc accepted. */
  private readonly counts = new Map<string, number>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly lifetimeMs = 300_000) {
    this.sweep = setInterval(() => this.prune(), Math.min(lifetimeMs, 60_000));
    this.sweep.unref();
  }

  issue(now = Date.now()): string {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(now));
    const rand = randomBytesPooled(8);
    const body = Buffer.concat([ts, rand]);
    const mac = crypto.createHmac('sha256', this.key).update(body).digest().subarray(0, 12);
    return Buffer.concat([body, mac]).toString('base64url');
  }

  private issuedAt(nonce: string): number | undefined {
    if (nonce.length !== 38) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 28) return undefined;
    const body = raw.subarray(0, 16);
    const mac = crypto.createHmac('sha256', this.key).update(body).digest().subarray(0, 12);
    if (!crypto.timingSafeEqual(mac, raw.subarray(16))) return undefined;
    return Number(raw.readBigUInt64BE(0));
  }

  /**
   * Checks a nonce before the digest is verified. `nc` is the client's nonce-count (hex) when qop is used;
   * without qop a nonce may be reused until it expires (RFC 2069 clients).
   */
  check(nonce: string, nc: string | undefined, now = Date.now()): NonceCheck {
    const at = this.issuedAt(nonce);
    if (at === undefined) return 'invalid';
    if (now - at > this.lifetimeMs || at - now > 5000) return 'stale';
    if (nc === undefined) return 'valid';
    if (!/^[0-9a-fA-F]{8}$/.test(nc)) return 'invalid';
    const count = parseInt(nc, 16);
    const seen = this.counts.get(nonce) ?? 0;
    return count > seen ? 'valid' : 'replay';
  }

  /** Records an accepted nonce-count, once the digest verified. */
  accept(nonce: string, nc: string | undefined): void {
    if (nc === undefined) return;
    this.counts.set(nonce, parseInt(nc, 16));
  }

  /**
   * Forgets the counts of expired nonces. Only nonces whose MAC was verified are in the map, so their
   * timestamp is read without computing the MAC again (with thousands of phones that was a burst of
   * HMACs every minute on the signalling thread).
   */
  private prune(now = Date.now()): void {
    for (const nonce of this.counts.keys()) {
      const at = Number(Buffer.from(nonce, 'base64url').readBigUInt64BE(0));
      if (now - at > this.lifetimeMs) this.counts.delete(nonce);
    }
  }

  close(): void {
    clearInterval(this.sweep);
  }
}
