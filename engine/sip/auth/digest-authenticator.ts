import type { HeaderEntry, SipRequest } from '../message/sip-message.js';
import { parseAuthHeader, quote } from './auth-header.js';
import { digestAlgorithm, digestEquals, digestResponseFromHa1, type DigestAlgorithm } from './digest.js';
import { Ha1Cache } from './ha1-cache.js';
import type { NonceManager } from './nonce-manager.js';

/** Looks up a user's SIP password from the in-memory directory (never the database). */
export type SecretLookup = (username: string) => string | undefined;

export type AuthOutcome =
  | { ok: true; username: string }
  | {
      ok: false;
      /** 401 (registrar, WWW-Authenticate) or 407 (proxy, Proxy-Authenticate); 400 for unusable credentials. */
      status: number;
      reason?: string;
      headers: HeaderEntry[];
      /** Credentials were present and wrong (counts towards blocking); false when none were sent or stale. */
      failed: boolean;
    };

/** A password no user has: unknown users are verified against it so they cost the same as known ones. */
const DECOY = 'decoy-' + Math.random().toString(36);

/**
 * Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760). Unknown and known users receive
 * identical challenges and identical failures, so nobody learns which extensions exist.
 */
export class DigestAuthenticator {
  private readonly ha1 = new Ha1Cache();

  constructor(
    private readonly realm: () => string,
    private readonly secrets: SecretLookup,
    private readonly nonces: NonceManager,
    /**
     * Offered in this order, one challenge each. Clients disagree on which of several challenges they
     * answer (sipp and many desk phones take the first, sip.js 0.21 the last), so the default is MD5 alone;
     * every offered algorithm is verified.
     */
    private readonly offered: readonly DigestAlgorithm[] = ['MD5'],
  ) {}

  /** Drops what is cached for a user (deleted or changed: a changed secret is noticed anyway). */
  forgetUser(username: string): void {
    this.ha1.forget(username);
  }

  challenge(proxy: boolean, stale = false): HeaderEntry[] {
    const name = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const realm = this.realm();
    return this.offered.map((alg) => ({
      name,
      value:
        `Digest realm=${quote(realm)}, nonce=${quote(this.nonces.issue())}, algorithm=${alg}, qop="auth"` +
        (stale ? ', stale=true' : ''),
    }));
  }

  authenticate(req: SipRequest, proxy: boolean): AuthOutcome {
    const status = proxy ? 407 : 401;
    const values = req.headers.getAll(proxy ? 'Proxy-Authorization' : 'Authorization');
    const realm = this.realm();
    let sawStale = false;
    let failed = false;
    for (const value of values) {
      const cred = parseAuthHeader(value);
      if (!cred || cred.scheme.toLowerCase() !== 'digest') continue;
      const p = cred.params;
      if (p.get('realm') !== realm) continue; // credentials for another hop's realm (§22.3)
      const username = p.get('username');
      const nonce = p.get('nonce');
      const response = p.get('response');
      const uri = p.get('uri');
      const algorithm = digestAlgorithm(p.get('algorithm'));
      const qop = p.get('qop');
      const nc = p.get('nc');
      const cnonce = p.get('cnonce');
      // An algorithm we do not know or did not offer: challenge again with ours.
      if (algorithm === undefined || !this.offered.includes(algorithm)) continue;
      if (!username || !nonce || !response || uri === undefined) {
        return {
          ok: false,
          status: 400,
          reason: 'Bad Request - Incomplete Credentials',
          headers: [],
          failed: false,
        };
      }
      if (qop !== undefined && (qop !== 'auth' || nc === undefined || cnonce === undefined)) {
        return {
          ok: false,
          status: 400,
          reason: 'Bad Request - Unsupported qop',
          headers: [],
          failed: false,
        };
      }
      const known = this.secrets(username);
      // Known users' HA1 comes from the cache; unknown ones use the decoy's, also cached: both cost the
      // same two hashes, so timing tells nothing either.
      const ha1 =
        known !== undefined
          ? this.ha1.get(algorithm, username, realm, known)
          : this.ha1.get(algorithm, '', realm, DECOY);
      const expected = digestResponseFromHa1(
        { algorithm, realm, method: req.method, uri, nonce, qop, nc, cnonce },
        ha1,
      );
      // The digest first: a wrong password is a failure whatever the nonce (RFC 7616 §3.3 gives stale=true
      // only to a client whose credentials were right).
      if (known === undefined || !digestEquals(expected, response)) {
        failed = true;
        continue;
      }
      const nonceState = this.nonces.check(nonce, qop ? nc : undefined);
      if (nonceState === 'replay') {
        failed = true; // a captured request sent again
        continue;
      }
      if (nonceState !== 'valid') {
        // Expired, or issued before a restart (the key changed): the phone retries with a fresh nonce.
        sawStale = true;
        continue;
      }
      this.nonces.accept(nonce, qop ? nc : undefined);
      return { ok: true, username };
    }
    // RFC 7616 §3.3: stale=true tells the client to retry with the new nonce without asking the user.
    return { ok: false, status, headers: this.challenge(proxy, sawStale && !failed), failed };
  }
}
