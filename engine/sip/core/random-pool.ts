import crypto from 'node:crypto';

/**
 * Cryptographically random bytes for tags, branches and nonces, drawn from a pool refilled in 16 KiB
 * chunks: one `randomFillSync` per few thousand messages instead of one per identifier (each call is a
 * syscall-sized cost that showed up at 7 % of CPU under REGISTER load).
 */
const POOL_SIZE = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

export function randomBytesPooled(n: number): Buffer {
  if (n > POOL_SIZE) return crypto.randomBytes(n);
  if (offset + n > POOL_SIZE) {
    crypto.randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n)); // a copy: the pool is overwritten later
  offset += n;
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytesPooled(bytes).toString('hex');
}

export function randomToken(bytes: number): string {
  return randomBytesPooled(bytes).toString('base64url');
}
