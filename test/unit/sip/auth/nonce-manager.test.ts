/** Self-validating nonces with nonce-count replay protection (RFC 7616 §3.3, §3.4, §5.5). */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import crypto from 'node:crypto';
import { NonceMac, NonceManager } from '../../../../engine/sip/auth/nonce-manager.js';

const LIFETIME = 60_000;
const NOW = 1_700_000_000_000;

describe('NonceManager', () => {
  const nonces = new NonceManager(LIFETIME);
  const other = new NonceManager(LIFETIME);
  after(() => {
    nonces.close();
    other.close();
  });

  it('a nonce it issued MUST be valid within its lifetime', () => {
    const n = nonces.issue(NOW);
    assert.equal(nonces.check(n, undefined, NOW), 'valid');
    assert.equal(nonces.check(n, '00000001', NOW + LIFETIME), 'valid');
  });

  it('each nonce MUST be unique', () => {
    const seen = new Set(Array.from({ length: 100 }, () => nonces.issue(NOW)));
    assert.equal(seen.size, 100);
  });

  it('a nonce MUST be stale once its lifetime has passed', () => {
    const n = nonces.issue(NOW);
    assert.equal(nonces.check(n, undefined, NOW + LIFETIME + 1), 'stale');
    assert.equal(nonces.check(n, '00000001', NOW + 10 * LIFETIME), 'stale');
  });

  it('a nonce dated more than 5 s in the future MUST be refused as stale', () => {
    const n = nonces.issue(NOW + 10_000);
    assert.equal(nonces.check(n, undefined, NOW), 'stale');
  });

  it('a tampered nonce MUST be invalid', () => {
    const n = nonces.issue(NOW);
    const i = 10; // inside the timestamp; the last base64url character carries padding bits only
    const tampered = n.slice(0, i) + (n[i] === 'A' ? 'B' : 'A') + n.slice(i + 1);
    assert.equal(nonces.check(tampered, undefined, NOW), 'invalid');
  });

  it('a nonce issued by another instance (another key, e.g. before a restart) MUST be invalid', () => {
    assert.equal(nonces.check(other.issue(NOW), undefined, NOW), 'invalid');
  });

  it('garbage MUST be invalid', () => {
    for (const bad of ['', 'abc', 'dcd98b7102dd2f0e8b11d0f600bfb0c093', '!'.repeat(38), 'A'.repeat(38)])
      assert.equal(nonces.check(bad, undefined, NOW), 'invalid', bad);
  });

  it('a nonce-count not above the highest accepted one MUST be a replay (RFC 7616 §5.5)', () => {
    const n = nonces.issue(NOW);
    assert.equal(nonces.check(n, '00000001', NOW), 'valid');
    nonces.accept(n, '00000001');
    assert.equal(nonces.check(n, '00000001', NOW), 'replay');
    assert.equal(nonces.check(n, '00000000', NOW), 'replay');
    assert.equal(nonces.check(n, '00000002', NOW), 'valid');
    nonces.accept(n, '0000000a');
    assert.equal(nonces.check(n, '00000009', NOW), 'replay');
    assert.equal(nonces.check(n, '0000000B', NOW), 'valid', 'nc is hexadecimal, either case');
  });

  it('checking alone MUST NOT consume a nonce-count (only accept() does, after the digest verified)', () => {
    const n = nonces.issue(NOW);
    assert.equal(nonces.check(n, '00000001', NOW), 'valid');
    assert.equal(nonces.check(n, '00000001', NOW), 'valid');
  });

  it('nonce-counts MUST be tracked per nonce', () => {
    const a = nonces.issue(NOW);
    const b = nonces.issue(NOW);
    nonces.accept(a, '00000005');
    assert.equal(nonces.check(b, '00000001', NOW), 'valid');
  });

  it('a nonce-count that is not 8 hex digits MUST be invalid (RFC 7616 §3.4)', () => {
    const n = nonces.issue(NOW);
    for (const nc of ['1', '0000001', '000000001', 'zzzzzzzz', ''])
      assert.equal(nonces.check(n, nc, NOW), 'invalid', nc);
  });

  it('without qop (RFC 2069 clients) a nonce MAY be reused until it expires', () => {
    const n = nonces.issue(NOW);
    nonces.accept(n, undefined);
    assert.equal(nonces.check(n, undefined, NOW), 'valid');
    assert.equal(nonces.check(n, undefined, NOW + 1000), 'valid');
  });
});

describe('NonceMac', () => {
  it('is HMAC-SHA-256 (RFC 2104) truncated to 12 bytes, for any key and body', () => {
    for (let i = 0; i < 200; i++) {
      const key = crypto.randomBytes(32);
      const body = crypto.randomBytes(16);
      const expected = crypto.createHmac('sha256', key).update(body).digest().subarray(0, 12);
      assert.deepEqual(new NonceMac(key).mac(body), expected);
    }
  });
});
