import crypto from 'node:crypto';

/** Digest algorithms we verify (RFC 7616 §3.2; RFC 8760 for SIP). `-sess` variants are not offered. */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

const HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export function digestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined || name === '') return 'MD5'; // RFC 2617: absent means MD5
  const upper = name.toUpperCase();
  return upper === 'MD5' ? 'MD5' : upper === 'SHA-256' ? 'SHA-256' : undefined;
}

export function hashHex(alg: DigestAlgorithm, s: string): string {
  return crypto.createHash(HASH[alg]).update(s, 'utf8').digest('hex');
}

export interface DigestInputs {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** request-digest of RFC 7616 §3.4.1 (qop=auth) or RFC 2069 compatibility (no qop). */
export function computeDigestResponse(p: DigestInputs): string {
  const ha1 = hashHex(p.algorithm, `${p.username}:${p.realm}:${p.password}`);
  const ha2 = hashHex(p.algorithm, `${p.method}:${p.uri}`);
  if (p.qop) return hashHex(p.algorithm, `${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`);
  return hashHex(p.algorithm, `${ha1}:${p.nonce}:${ha2}`);
}

/** Constant-time comparison of two hex digests. */
export function digestEquals(a: string, b: string): boolean {
  const ab = Buffer.from(a.toLowerCase(), 'latin1');
  const bb = Buffer.from(b.toLowerCase(), 'latin1');
  if (ab.length !== bb.length) {
    crypto.timingSafeEqual(ab, ab);
    return false;
  }
  return crypto.timingSafeEqual(ab, bb);
}
