/** Digest challenge/credentials syntax (RFC 3261 §25.1, RFC 7616 §3.3-§3.4, RFC 7235 §2.1). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthHeader, quote } from '../../../../engine/sip/auth/auth-header.js';

describe('parseAuthHeader', () => {
  it('reads the scheme and the parameters, names lower-cased, quotes removed', () => {
    const h = parseAuthHeader(
      'Digest USERNAME="201", realm="pbx.example", nonce="abc", uri="sip:pbx.example", response="0123", algorithm=MD5, qop=auth, nc=00000001, cnonce="xyz"',
    );
    assert.ok(h);
    assert.equal(h.scheme, 'Digest');
    assert.deepEqual(Object.fromEntries(h.params), {
      username: '201',
      realm: 'pbx.example',
      nonce: 'abc',
      uri: 'sip:pbx.example',
      response: '0123',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'xyz',
    });
  });

  it('MUST resolve quoted-pairs inside quoted strings (RFC 3261 §25.1)', () => {
    const h = parseAuthHeader('Digest realm="a \\"quoted\\" realm", username="back\\\\slash"');
    assert.equal(h?.params.get('realm'), 'a "quoted" realm');
    assert.equal(h?.params.get('username'), 'back\\slash');
  });

  it('MUST keep commas inside quoted strings as part of the value', () => {
    const h = parseAuthHeader('Digest qop="auth,auth-int", realm="a, b"');
    assert.equal(h?.params.get('qop'), 'auth,auth-int');
    assert.equal(h?.params.get('realm'), 'a, b');
  });

  it('MUST allow linear whitespace around "=" and ","', () => {
    const h = parseAuthHeader('Digest  realm = "r" ,\tnonce="n" , algorithm = SHA-256');
    assert.deepEqual(Object.fromEntries(h?.params ?? []), { realm: 'r', nonce: 'n', algorithm: 'SHA-256' });
  });

  it('a scheme alone has no parameters', () => {
    assert.deepEqual(parseAuthHeader('Digest'), { scheme: 'Digest', params: new Map() });
  });

  it('round-trips values written with quote()', () => {
    const text = 'odd "realm", with \\ and commas';
    assert.equal(parseAuthHeader(`Digest realm=${quote(text)}`)?.params.get('realm'), text);
  });

  it('MUST return null for malformed values', () => {
    for (const bad of [
      '',
      '   ',
      '"Digest"',
      'Digest realm',
      'Digest =x',
      'Digest realm="unterminated',
      'Digest realm="a" nonce="b"',
      'Digest realm=a b',
      'Digest realm="a",,nonce="b"',
      'Digest realm="a", realm="b"',
      'Digest realm="a"x',
    ]) {
      assert.equal(parseAuthHeader(bad), null, bad);
    }
  });
});
