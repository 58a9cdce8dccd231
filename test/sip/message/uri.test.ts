/** RFC 3261 §19.1 SIP and SIPS URIs, RFC 3966 tel, RFC 2396 absolute URIs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  aorOf,
  formatUri,
  parseUri,
  unescapeUser,
  uriUserDecoded,
} from '../../../engine/sip/message/index.js';

describe('parseUri (RFC 3261 §19.1.1 components)', () => {
  it('reads user, password, host, port, parameters and headers', () => {
    const u = parseUri(
      'sip:alice:secretword@atlanta.com:5061;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent',
    );
    assert.ok(u);
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secretword');
    assert.equal(u.host, 'atlanta.com');
    assert.equal(u.port, 5061);
    assert.deepEqual(
      [...u.params],
      [
        ['transport', 'TCP'],
        ['lr', null],
        ['maddr', '239.255.255.1'],
      ],
    );
    assert.deepEqual(
      [...u.headers],
      [
        ['subject', 'project%20x'],
        ['priority', 'urgent'],
      ],
    );
  });

  it('the scheme is case-insensitive and parameter names are lower-cased, values kept', () => {
    const u = parseUri('SIPS:Bob@Biloxi.COM;Transport=TLS');
    assert.equal(u?.scheme, 'sips');
    assert.equal(u?.host, 'Biloxi.COM');
    assert.equal(u?.params.get('transport'), 'TLS');
  });

  it('an IPv6 reference keeps its brackets and may carry a port', () => {
    assert.deepEqual(
      (({ host, port }) => ({ host, port }))(
        parseUri('sip:bob@[2001:db8::10]:5070') ?? { host: '', port: 0 },
      ),
      { host: '[2001:db8::10]', port: 5070 },
    );
    assert.equal(parseUri('sip:[::1]')?.host, '[::1]');
    assert.equal(parseUri('sip:[2001:db8::10:5070'), null);
    assert.equal(parseUri('sip:[zz::1]'), null);
  });

  it('";" "?" "/" "," are user-unreserved: the user part runs to the "@" (RFC 4475 semiuri)', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com;lr');
    assert.equal(u?.user, 'user;par=u%40example.net');
    assert.equal(u?.host, 'example.com');
    assert.deepEqual([...(u?.params ?? [])], [['lr', null]]);
    assert.equal(parseUri('sip:a?b,c/d@host')?.user, 'a?b,c/d');
  });

  it('a URI without user part puts parameters after the host', () => {
    const u = parseUri('sip:proxy.example.com;lr');
    assert.equal(u?.user, undefined);
    assert.equal(u?.host, 'proxy.example.com');
    assert.ok(u?.params.has('lr'));
  });

  it('tel: puts the number in host; other schemes are opaque', () => {
    const t = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    assert.equal(t?.scheme, 'tel');
    assert.equal(t?.host, '+1-201-555-0123');
    assert.equal(t?.params.get('phone-context'), 'example.com');
    const o = parseUri('urn:service:sos');
    assert.deepEqual(o && { scheme: o.scheme, host: o.host, opaque: o.opaque }, {
      scheme: 'urn',
      host: '',
      opaque: 'service:sos',
    });
  });

  it('refuses what is not an absolute URI or has a broken host or port', () => {
    for (const bad of [
      '',
      'sip:',
      ':foo',
      '1sip:a@b',
      '<sip:a@b>',
      'sip:a@b c',
      'sip:alice@',
      'sip:@host',
      'sip:a@host:70000',
      'sip:a@host:',
      'sip:a@host:12x',
      'sip:a@ho st',
      'sip:a@host/path',
      'sip:a@h"st',
      'tel:',
      'sip:a@b\x00',
    ]) {
      assert.equal(parseUri(bad), null, JSON.stringify(bad));
    }
  });

  it('an unescaped "@" in the user part: the userinfo ends at the last "@"', () => {
    const u = parseUri('sip:alice@corp@pbx.example.com');
    assert.equal(u?.user, 'alice@corp');
    assert.equal(u?.host, 'pbx.example.com');
  });
});

describe('unescapeUser (RFC 3261 §19.1.2: escaped characters)', () => {
  it('decodes exactly once', () => {
    assert.equal(unescapeUser('v%61lue%25%34%31'), 'value%41');
    assert.equal(unescapeUser('%2525'), '%25');
  });
  it('keeps NUL and distinguishes %00 from %00%00 (RFC 4475 escnull)', () => {
    assert.equal(unescapeUser('null-%00-null'), 'null-\x00-null');
    assert.notEqual(unescapeUser('%00'), unescapeUser('%00%00'));
  });
  it('reads UTF-8 sequences, and octets that are not UTF-8 one code point each', () => {
    assert.equal(unescapeUser('J%C3%BCrgen'), 'Jürgen');
    assert.equal(unescapeUser('%FF%FE'), '\xff\xfe');
  });
  it('leaves a "%" without two hex digits as it is', () => {
    assert.equal(unescapeUser('100%'), '100%');
    assert.equal(unescapeUser('%Z%45'), '%ZE');
  });
  it('uriUserDecoded is undefined without a user part', () => {
    const u = parseUri('sip:host.example.com');
    assert.ok(u);
    assert.equal(uriUserDecoded(u), undefined);
  });
});

describe('formatUri and aorOf', () => {
  it('formatUri(parseUri(x)) writes the same URI', () => {
    for (const s of [
      'sip:alice:pw@atlanta.com:5061;transport=tcp;lr?subject=x&priority=urgent',
      'sips:[2001:db8::1]:5061;maddr=[2001:db8::2]',
      'sip:user;par=u%40example.net@example.com',
      'tel:+15551234;phone-context=+1',
      'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    ]) {
      const u = parseUri(s);
      assert.ok(u, s);
      assert.equal(formatUri(u), s);
    }
  });

  it('aorOf: parameters and port dropped, host lower-cased, user decoded with its case, sips as sip', () => {
    const aor = (s: string) => {
      const u = parseUri(s);
      assert.ok(u, s);
      return aorOf(u);
    };
    assert.equal(aor('sip:Alice@PBX.Example.COM:5060;transport=tcp?x=y'), 'sip:Alice@pbx.example.com');
    assert.equal(aor('sips:%61lice@pbx.example.com'), 'sip:alice@pbx.example.com');
    assert.equal(aor('sip:pbx.example.com'), 'sip:pbx.example.com');
    assert.equal(aor('tel:+15551234;phone-context=+1'), 'tel:+15551234');
  });
});
