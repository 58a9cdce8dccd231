import crypto from 'node:crypto';
import { parseAuthHeader } from '../../engine/sip/auth/auth-header.js';
import { computeDigestResponse, digestEquals } from '../../engine/sip/auth/digest.js';

/**
 * HTTP Digest (RFC 7616, MD5, qop=auth) for the provisioning server: desk phones implement MD5 only.
 * Nonces are stateless (a timestamp and an HMAC of it), valid for `lifetimeMs`; a phone re-fetching after
 * that gets a fresh challenge with `stale=true`.
 */
export class HttpDigest {
  private readonly key = crypto.randomBytes(32);

  constructor(
    readonly realm: string,
    private readonly lifetimeMs = 300_000,
  ) {}

  challenge(stale = false): string {
    const t = Date.now().toString(16);
    const mac = crypto.createHmac('sha256', this.key).update(t).digest('hex').slice(0, 32);
    return (
      `Digest realm="${this.realm}", qop="auth", algorithm=MD5, nonce="${t}.${mac}", opaque="prov"` +
      (stale ? ', stale=true' : '')
    );
  }

  /**
   * Checks an Authorization header: the user name it claims (to look the password up) and whether the
   * response proves that password. `stale` when the nonce was ours but expired.
   */
  verify(
    header: string | undefined,
    method: string,
    requestUri: string,
    password: (user: string) => string | undefined,
  ): { ok: true; user: string } | { ok: false; stale: boolean } {
    if (!header) return { ok: false, stale: false };
    const h = parseAuthHeader(header);
    if (!h || h.scheme.toLowerCase() !== 'digest') return { ok: false, stale: false };
    const p = h.params;
    const user = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    const realm = p.get('realm');
    const alg = p.get('algorithm');
    if (!user || !nonce || !uri || !response || realm !== this.realm) return { ok: false, stale: false };
    // RFC 7616 §3.4.6: the digest is for this request's URI, not one replayed from another file.
    if (uri !== requestUri) return { ok: false, stale: false };
    if (alg !== undefined && alg.toUpperCase() !== 'MD5') return { ok: false, stale: false };
    const [t, sig] = nonce.split('.');
    const expected = crypto
      .createHmac('sha256', this.key)
      .update(t ?? '')
      .digest('hex')
      .slice(0, 32);
    if (!t || !sig || !digestEquals(sig, expected)) return { ok: false, stale: false };
    const secret = password(user);
    if (secret === undefined) return { ok: false, stale: false };
    const qop = p.get('qop');
    const computed = computeDigestResponse({
      algorithm: 'MD5',
      username: user,
      realm: this.realm,
      password: secret,
      method,
      uri,
      nonce,
      ...(qop ? { qop, nc: p.get('nc') ?? '', cnonce: p.get('cnonce') ?? '' } : {}),
    });
    if (!digestEquals(computed, response)) return { ok: false, stale: false };
    if (Date.now() - parseInt(t, 16) > this.lifetimeMs) return { ok: false, stale: true };
    return { ok: true, user };
  }
}
