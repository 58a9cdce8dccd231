import crypto from 'node:crypto';
import { detach } from '../core/detach.js';
import { randomBytesPooled } from '../core/random-pool.js';

export type NonceCheck = 'valid' | 'stale' | 'invalid' | 'replay';

const BLOCK = 64; // SHA-256 block size
const BODY = 16; // timestamp (8) + random (8)
const MAC = 12; // truncated HMAC-SHA-256 (RFC 2104 §5 allows truncation to at least half)

/**
 * HMAC-SHA-256 (RFC 2104) of a 16-byte nonce body with a fixed key, built from two one-shot hashes over
 * precomputed padded keys: H((K ^ opad) || H((K ^ ipad) || body)). A `crypto.createHmac` object per nonce
 * cost about 5 µs, twice per registration; this is the same function at about half of that.
 */
export class NonceMac {
  private readonly inner = Buffer.alloc(BLOCK + BODY);
  private readonly outer = Buffer.alloc(BLOCK + 32);
  private readonly oneShot = typeof crypto.hash === 'function';

  constructor(private readonly key: Buffer) {
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** The first MAC bytes of HMAC(key, body); `body` is BODY bytes. */
  mac(body: Buffer): Buffer {
    if (!this.oneShot) return crypto.createHmac('sha256', this.key).update(body).digest().subarray(0, MAC);
    body.copy(this.inner, BLOCK, 0, BODY);
    crypto.hash('sha256', this.inner, 'buffer').copy(this.outer, BLOCK);
    return crypto.hash('sha256', this.outer, 'buffer').subarray(0, MAC);
  }
}

/**
 * Nonces are self-validating (timestamp + random + HMAC), so any nonce we issued can be checked without
 * state; nonce-counts seen are remembered per nonce until it expires, to refuse replays (RFC 7616 §3.4).
 */
export class NonceManager {
  private readonly hmac = new NonceMac(crypto.randomBytes(32));
  /** nonce → highest nc accepted. */
  private readonly counts = new Map<string, number>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly lifetimeMs = 300_000) {
    this.sweep = setInterval(() => this.prune(), Math.min(lifetimeMs, 60_000));
    this.sweep.unref();
  }

  issue(now = Date.now()): string {
    const raw = Buffer.allocUnsafe(BODY + MAC);
    raw.writeBigUInt64BE(BigInt(now), 0);
    randomBytesPooled(8).copy(raw, 8);
    this.hmac.mac(raw.subarray(0, BODY)).copy(raw, BODY);
    return raw.toString('base64url');
  }

  private issuedAt(nonce: string): number | undefined {
    if (nonce.length !== 38) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== BODY + MAC) return undefined;
    const mac = this.hmac.mac(raw.subarray(0, BODY));
    if (!crypto.timingSafeEqual(mac, raw.subarray(BODY))) return undefined;
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
    // The key outlives the request by minutes: it must not keep the whole message text (see detach).
    const key = this.counts.has(nonce) ? nonce : detach(nonce);
    this.counts.set(key, parseInt(nc, 16));
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
