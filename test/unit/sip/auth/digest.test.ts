/** Digest computation (RFC 2617 §3.2.2, RFC 7616 §3.4.1) and its helpers. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { computeDigestResponse, digestAlgorithm, digestEquals } from '../../../../engine/sip/auth/digest.js';
import { Ha1Cache } from '../../../../engine/sip/auth/ha1-cache.js';

describe('computeDigestResponse (RFC 7616 §3.4.1)', () => {
  it('it MUST reproduce the RFC 2617 §3.5 example (MD5, qop=auth)', () => {
    const response = computeDigestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(response, '6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };

  it('it MUST reproduce the RFC 7616 §3.9.1 example with MD5', () => {
    assert.equal(computeDigestResponse({ algorithm: 'MD5', ...rfc7616 }), '8ca523f5e9506fed4657c9700eebdbec');
  });

  it('it MUST reproduce the RFC 7616 §3.9.1 example with SHA-256', () => {
    assert.equal(
      computeDigestResponse({ algorithm: 'SHA-256', ...rfc7616 }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('without qop it MUST use the RFC 2069 form H(H(A1):nonce:H(A2)) (RFC 2617 §3.2.2.1)', () => {
    const h = (s: string) => crypto.createHash('md5').update(s).digest('hex');
    const expected = h(`${h('201:pbx.example:secret')}:n0nce:${h('REGISTER:sip:pbx.example')}`);
    const got = computeDigestResponse({
      algorithm: 'MD5',
      username: '201',
      realm: 'pbx.example',
      password: 'secret',
      method: 'REGISTER',
      uri: 'sip:pbx.example',
      nonce: 'n0nce',
    });
    assert.equal(got, expected);
  });
});

describe('digestAlgorithm', () => {
  it('an absent algorithm MUST be taken as MD5 (RFC 7616 §3.3)', () => {
    assert.equal(digestAlgorithm(undefined), 'MD5');
    assert.equal(digestAlgorithm(''), 'MD5');
  });

  it('algorithm names are case-insensitive', () => {
    assert.equal(digestAlgorithm('md5'), 'MD5');
    assert.equal(digestAlgorithm('sha-256'), 'SHA-256');
  });

  it('algorithms that are not verified (sess variants, SHA-512-256) are not recognised', () => {
    for (const a of ['MD5-sess', 'SHA-256-sess', 'SHA-512-256', 'SHA256'])
      assert.equal(digestAlgorithm(a), undefined);
  });
});

describe('digestEquals', () => {
  it('compares hex digests case-insensitively', () => {
    assert.equal(digestEquals('6629fae49393a05397450978507c4ef1', '6629FAE49393A05397450978507C4EF1'), true);
  });

  it('different digests and different lengths are unequal', () => {
    assert.equal(digestEquals('6629fae49393a05397450978507c4ef1', '6629fae49393a05397450978507c4ef2'), false);
    assert.equal(digestEquals('6629fae49393a05397450978507c4ef1', '6629fae4'), false);
    assert.equal(digestEquals('6629fae49393a05397450978507c4ef1', ''), false);
  });
});

describe('Ha1Cache', () => {
  const ha1 = (alg: 'MD5' | 'SHA-256', s: string) =>
    crypto
      .createHash(alg === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');

  it('answers H(username:realm:password) per algorithm', () => {
    const cache = new Ha1Cache();
    assert.equal(cache.get('MD5', '201', 'pbx', 'pw1'), ha1('MD5', '201:pbx:pw1'));
    assert.equal(cache.get('SHA-256', '201', 'pbx', 'pw1'), ha1('SHA-256', '201:pbx:pw1'));
    assert.equal(cache.get('MD5', '201', 'pbx', 'pw1'), ha1('MD5', '201:pbx:pw1'));
  });

  it('never serves a value computed from an older password or realm', () => {
    const cache = new Ha1Cache();
    cache.get('MD5', '201', 'pbx', 'old');
    assert.equal(cache.get('MD5', '201', 'pbx', 'new'), ha1('MD5', '201:pbx:new'));
    assert.equal(cache.get('MD5', '201', 'other', 'new'), ha1('MD5', '201:other:new'));
    cache.forget('201');
    assert.equal(cache.get('MD5', '201', 'other', 'new'), ha1('MD5', '201:other:new'));
  });
});
