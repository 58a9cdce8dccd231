/** SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760). */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, describe, it } from 'node:test';
import { parseAuthHeader } from '../../../../engine/sip/auth/auth-header.js';
import { DigestAuthenticator, type AuthOutcome } from '../../../../engine/sip/auth/digest-authenticator.js';
import type { DigestAlgorithm } from '../../../../engine/sip/auth/digest.js';
import { NonceManager } from '../../../../engine/sip/auth/nonce-manager.js';
import type { HeaderEntry, SipRequest } from '../../../../engine/sip/message/sip-message.js';
import { request } from '../../support/sip-fixtures.js';

const REALM = 'pbx.example';
const USERS: Record<string, string> = { '201': 'secret-201', '202': 'secret-202' };
const LIFETIME = 300_000;

/** request-digest computed here, independently of the engine (RFC 7616 §3.4.1). */
function expectedResponse(p: {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc: string;
  cnonce: string;
}): string {
  const h = (s: string) =>
    crypto
      .createHash(p.algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');
  const ha1 = h(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = h(`${p.method}:${p.uri}`);
  return p.qop ? h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
}

interface CredentialOptions {
  username?: string;
  password?: string;
  realm?: string;
  nonce: string;
  method?: string;
  uri?: string;
  /** null: leave the parameter out. */
  algorithm?: DigestAlgorithm | null | string;
  qop?: string | null;
  nc?: string;
  cnonce?: string;
  omit?: string[];
}

/** An Authorization value as a phone would build it from a challenge. */
function credentials(o: CredentialOptions): string {
  const username = o.username ?? '201';
  const realm = o.realm ?? REALM;
  const uri = o.uri ?? 'sip:pbx.example';
  const nc = o.nc ?? '00000001';
  const cnonce = o.cnonce ?? '0a4f113b';
  const qop = o.qop === null ? undefined : (o.qop ?? 'auth');
  const algorithm = o.algorithm === undefined ? 'MD5' : o.algorithm;
  const response = expectedResponse({
    algorithm: algorithm === 'SHA-256' ? 'SHA-256' : 'MD5',
    username,
    realm,
    password: o.password ?? USERS[username] ?? 'whatever',
    method: o.method ?? 'REGISTER',
    uri,
    nonce: o.nonce,
    qop,
    nc,
    cnonce,
  });
  const params: Array<[string, string]> = [
    ['username', `"${username}"`],
    ['realm', `"${realm}"`],
    ['nonce', `"${o.nonce}"`],
    ['uri', `"${uri}"`],
    ['response', `"${response}"`],
  ];
  if (algorithm !== null) params.push(['algorithm', algorithm]);
  if (qop !== undefined) params.push(['qop', qop], ['nc', nc], ['cnonce', `"${cnonce}"`]);
  return (
    'Digest ' +
    params
      .filter(([k]) => !o.omit?.includes(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')
  );
}

function register(...authorizations: string[]): SipRequest {
  return request('REGISTER', {
    uri: 'sip:pbx.example',
    extra: authorizations.map((value): HeaderEntry => ({ name: 'Authorization', value })),
  });
}

function challengeParams(h: HeaderEntry): Map<string, string> {
  const parsed = parseAuthHeader(h.value);
  assert.ok(parsed, h.value);
  assert.equal(parsed.scheme, 'Digest');
  return parsed.params;
}

function failure(o: AuthOutcome): Extract<AuthOutcome, { ok: false }> {
  assert.equal(o.ok, false, JSON.stringify(o));
  return o as Extract<AuthOutcome, { ok: false }>;
}

/** The outcome as a scanner could compare it: nonces blanked. */
function shape(o: AuthOutcome): string {
  return JSON.stringify(o).replace(/nonce=\\"[^\\]*\\"/g, 'nonce=""');
}

describe('DigestAuthenticator', () => {
  const nonces = new NonceManager(LIFETIME);
  const foreign = new NonceManager(LIFETIME);
  after(() => {
    nonces.close();
    foreign.close();
  });
  const md5Only = new DigestAuthenticator(
    () => REALM,
    (u) => USERS[u],
    nonces,
  );
  const both = new DigestAuthenticator(
    () => REALM,
    (u) => USERS[u],
    nonces,
    ['SHA-256', 'MD5'],
  );
  const fresh = () => nonces.issue();

  describe('challenges (RFC 3261 §22.1, RFC 7616 §3.3)', () => {
    it('it MUST offer one WWW-Authenticate per algorithm, in preference order, with realm, nonce and qop="auth"', () => {
      const headers = both.challenge(false);
      assert.deepEqual(
        headers.map((h) => h.name),
        ['WWW-Authenticate', 'WWW-Authenticate'],
      );
      const [sha, md5] = headers.map(challengeParams);
      assert.equal(sha!.get('algorithm'), 'SHA-256');
      assert.equal(md5!.get('algorithm'), 'MD5');
      for (const p of [sha!, md5!]) {
        assert.equal(p.get('realm'), REALM);
        assert.equal(p.get('qop'), 'auth');
        assert.equal(nonces.check(p.get('nonce')!, undefined), 'valid');
        assert.equal(p.has('stale'), false);
      }
    });

    it('a proxy MUST challenge with Proxy-Authenticate (RFC 3261 §22.3)', () => {
      assert.deepEqual(
        md5Only.challenge(true).map((h) => h.name),
        ['Proxy-Authenticate'],
      );
    });

    it('a request without credentials MUST be challenged with 401 and not counted as a failure', () => {
      const out = failure(md5Only.authenticate(register(), false));
      assert.equal(out.status, 401);
      assert.equal(out.failed, false);
      assert.equal(out.headers.length, 1);
    });

    it('a proxy MUST answer 407 and read only Proxy-Authorization (RFC 3261 §22.3)', () => {
      const invite = request('INVITE', {
        extra: [{ name: 'Authorization', value: credentials({ nonce: fresh(), method: 'INVITE' }) }],
      });
      const out = failure(md5Only.authenticate(invite, true));
      assert.equal(out.status, 407);
      assert.equal(out.failed, false);
      assert.equal(out.headers[0]!.name, 'Proxy-Authenticate');
    });
  });

  describe('verification', () => {
    it('it MUST accept correct MD5 credentials with qop=auth (RFC 7616 §3.4.1)', () => {
      assert.deepEqual(md5Only.authenticate(register(credentials({ nonce: fresh() })), false), {
        ok: true,
        username: '201',
      });
    });

    it('it MUST accept correct SHA-256 credentials when SHA-256 is offered (RFC 8760)', () => {
      const auth = credentials({ nonce: fresh(), algorithm: 'SHA-256' });
      assert.deepEqual(both.authenticate(register(auth), false), { ok: true, username: '201' });
    });

    it('it MUST accept correct MD5 credentials when both algorithms are offered', () => {
      assert.deepEqual(both.authenticate(register(credentials({ nonce: fresh() })), false), {
        ok: true,
        username: '201',
      });
    });

    it('credentials without an algorithm parameter MUST be verified as MD5 (RFC 7616 §3.3)', () => {
      const auth = credentials({ nonce: fresh(), algorithm: null });
      assert.deepEqual(md5Only.authenticate(register(auth), false), { ok: true, username: '201' });
    });

    it('credentials without qop MUST be verified with the RFC 2069 formula (RFC 7616 §3.4.1 compatibility)', () => {
      const auth = credentials({ nonce: fresh(), qop: null });
      assert.deepEqual(md5Only.authenticate(register(auth), false), { ok: true, username: '201' });
    });

    it('a proxy MUST accept correct Proxy-Authorization for an INVITE', () => {
      const invite = request('INVITE', {
        extra: [
          {
            name: 'Proxy-Authorization',
            value: credentials({ nonce: fresh(), method: 'INVITE', uri: 'sip:202@pbx.example' }),
          },
        ],
      });
      assert.deepEqual(md5Only.authenticate(invite, true), { ok: true, username: '201' });
    });

    it('the digest MUST cover the method: credentials computed for another method MUST fail', () => {
      const auth = credentials({ nonce: fresh(), method: 'INVITE' });
      const out = failure(md5Only.authenticate(register(auth), false));
      assert.equal(out.failed, true);
    });

    it('a wrong password MUST fail with a fresh 401 challenge, counted as a failure, without stale', () => {
      const out = failure(
        md5Only.authenticate(register(credentials({ nonce: fresh(), password: 'guess' })), false),
      );
      assert.equal(out.status, 401);
      assert.equal(out.failed, true);
      assert.equal(out.headers.length, 1);
      assert.equal(challengeParams(out.headers[0]!).has('stale'), false);
    });

    it('an unknown user MUST fail exactly like a wrong password (no extension enumeration)', () => {
      const wrong = md5Only.authenticate(register(credentials({ nonce: fresh(), password: 'guess' })), false);
      const unknown = md5Only.authenticate(
        register(credentials({ nonce: fresh(), username: '999', password: 'guess' })),
        false,
      );
      assert.equal(shape(unknown), shape(wrong));
      assert.equal(failure(unknown).failed, true);
    });

    it('a replayed nonce-count MUST be refused (RFC 7616 §5.5)', () => {
      const auth = credentials({ nonce: fresh() });
      assert.equal(md5Only.authenticate(register(auth), false).ok, true);
      const out = failure(md5Only.authenticate(register(auth), false));
      assert.equal(out.status, 401);
    });

    it('the next nonce-count with the same nonce MUST be accepted (RFC 7616 §3.4)', () => {
      const nonce = fresh();
      assert.equal(md5Only.authenticate(register(credentials({ nonce, nc: '00000001' })), false).ok, true);
      assert.equal(md5Only.authenticate(register(credentials({ nonce, nc: '00000002' })), false).ok, true);
    });

    it('a nonce this server never issued MUST NOT authenticate', () => {
      const out = failure(
        md5Only.authenticate(register(credentials({ nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' })), false),
      );
      assert.equal(out.status, 401);
    });
  });

  describe('stale nonces (RFC 7616 §3.3)', () => {
    const staleNonce = () => nonces.issue(Date.now() - LIFETIME - 1000);

    it('a stale nonce with correct credentials MUST be answered with stale=true in every challenge and not counted', () => {
      const out = failure(both.authenticate(register(credentials({ nonce: staleNonce() })), false));
      assert.equal(out.status, 401);
      assert.equal(out.failed, false);
      assert.equal(out.headers.length, 2);
      for (const h of out.headers) assert.equal(challengeParams(h).get('stale'), 'true');
    });

    it('stale=true MUST NOT be sent when other credentials in the request failed', () => {
      const out = failure(
        md5Only.authenticate(
          register(credentials({ nonce: staleNonce() }), credentials({ nonce: fresh(), password: 'guess' })),
          false,
        ),
      );
      assert.equal(out.failed, true);
      assert.equal(challengeParams(out.headers[0]!).has('stale'), false);
    });

    it(
      'stale=true SHOULD only be sent when the digest for the stale nonce is valid (RFC 7616 §3.3)',
      {},
      () => {
        const out = failure(
          md5Only.authenticate(register(credentials({ nonce: staleNonce(), password: 'guess' })), false),
        );
        assert.equal(challengeParams(out.headers[0]!).has('stale'), false);
        assert.equal(out.failed, true);
      },
    );

    it(
      'a correct digest on a nonce it cannot verify (issued before a restart) SHOULD get stale=true, not count as a failure (RFC 7616 §3.3)',
      {},
      () => {
        const out = failure(md5Only.authenticate(register(credentials({ nonce: foreign.issue() })), false));
        assert.equal(out.failed, false);
        assert.equal(challengeParams(out.headers[0]!).get('stale'), 'true');
      },
    );
  });

  describe('credentials that are not for us', () => {
    it('credentials for another realm MUST be ignored (RFC 3261 §22.3)', () => {
      const out = failure(
        md5Only.authenticate(register(credentials({ nonce: fresh(), realm: 'other.example' })), false),
      );
      assert.equal(out.status, 401);
      assert.equal(out.failed, false);
    });

    it('credentials for our realm MUST be used even after credentials for another realm', () => {
      const req = register(
        credentials({ nonce: fresh(), realm: 'other.example', password: 'x' }),
        credentials({ nonce: fresh() }),
      );
      assert.deepEqual(md5Only.authenticate(req, false), { ok: true, username: '201' });
    });

    it('credentials for an algorithm that was not offered MUST be ignored', () => {
      const out = failure(
        md5Only.authenticate(register(credentials({ nonce: fresh(), algorithm: 'SHA-256' })), false),
      );
      assert.equal(out.status, 401);
      assert.equal(out.failed, false);
    });

    it('a scheme other than Digest MUST be ignored', () => {
      const out = failure(md5Only.authenticate(register('Basic MjAxOnNlY3JldC0yMDE='), false));
      assert.equal(out.status, 401);
      assert.equal(out.failed, false);
    });
  });

  describe('unusable credentials', () => {
    for (const missing of ['username', 'nonce', 'response', 'uri']) {
      it(`credentials without ${missing} MUST be answered 400 and not counted as a failure`, () => {
        const out = failure(
          md5Only.authenticate(register(credentials({ nonce: fresh(), omit: [missing] })), false),
        );
        assert.equal(out.status, 400);
        assert.equal(out.failed, false);
        assert.match(out.reason ?? '', /Incomplete Credentials/);
        assert.deepEqual(out.headers, []);
      });
    }

    it('qop=auth-int MUST be answered 400 (only "auth" is offered)', () => {
      const out = failure(
        md5Only.authenticate(register(credentials({ nonce: fresh(), qop: 'auth-int' })), false),
      );
      assert.equal(out.status, 400);
      assert.equal(out.failed, false);
    });

    it('qop=auth without nc or cnonce MUST be answered 400 (RFC 7616 §3.4)', () => {
      for (const omit of ['nc', 'cnonce']) {
        const out = failure(
          md5Only.authenticate(register(credentials({ nonce: fresh(), omit: [omit] })), false),
        );
        assert.equal(out.status, 400, omit);
      }
    });
  });
});
