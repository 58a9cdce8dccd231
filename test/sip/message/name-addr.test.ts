/** RFC 3261 §20.10, §20.20, §20.39, §25.1: name-addr / addr-spec with header parameters. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatNameAddr, parseNameAddr, tagOf } from '../../../engine/sip/message/index.js';

describe('parseNameAddr', () => {
  it('quoted display name with quoted-pairs, URI, and parameters', () => {
    const n = parseNameAddr(
      '"A \\"quoted\\" \\\\ name" <sip:a@example.com;transport=tcp> ; tag = 88 ;expires=60;x',
    );
    assert.ok(n);
    assert.equal(n.displayName, 'A "quoted" \\ name');
    assert.equal(n.uri, 'sip:a@example.com;transport=tcp');
    assert.deepEqual(
      [...n.params],
      [
        ['tag', '88'],
        ['expires', '60'],
        ['x', null],
      ],
    );
  });

  it('a display name of several tokens, with or without LWS before "<" (RFC 4475 lwsdisp)', () => {
    assert.equal(parseNameAddr('Bob  Smith <sip:bob@example.com>')?.displayName, 'Bob Smith');
    assert.equal(parseNameAddr('caller<sip:caller@example.com>;tag=323')?.displayName, 'caller');
    assert.equal(parseNameAddr('<sip:bob@example.com>')?.displayName, undefined);
    assert.equal(parseNameAddr('"" <sip:bob@example.com>')?.displayName, '');
  });

  it('addr-spec form: the ";" parameters belong to the header, not the URI (§20.10)', () => {
    const n = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam;tag=1');
    assert.equal(n?.uri, 'sip:+19725552222@gw1.example.net');
    assert.deepEqual(
      [...(n?.params ?? [])],
      [
        ['unknownparam', null],
        ['tag', '1'],
      ],
    );
    const spaced = parseNameAddr('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n');
    assert.equal(spaced?.params.get('tag'), '1918181833n');
  });

  it('any absolute URI, not only sip', () => {
    assert.equal(parseNameAddr('isbn:2983792873')?.uri, 'isbn:2983792873');
    assert.equal(parseNameAddr('<http://www.example.com>;tag=3')?.uri, 'http://www.example.com');
  });

  it('quoted parameter values keep their quotes, UTF-8 included', () => {
    const n = parseNameAddr('<sip:a@b>;+sip.instance="<urn:uuid:1234>";text="Ünïcode, yes"');
    assert.equal(n?.params.get('+sip.instance'), '"<urn:uuid:1234>"');
    assert.equal(n?.params.get('text'), '"Ünïcode, yes"');
  });

  it('refuses malformed values', () => {
    for (const bad of [
      '',
      '*',
      '"Mr. J. User <sip:j.user@example.com>', // quotbal: unterminated quote
      '"Watson, Thomas" < sip:t.watson@example.org >', // badaspec: spaces inside <>
      'Bell, Alexander <sip:a.g.bell@example.com>;tag=43', // baddn: "," in an unquoted display name
      'sip:user@example.com?Route=%3Csip:sip.example.com%3E', // regbadct: "?" needs <>
      '"Joe" <sip:joe@example.org>;;;;', // badinv01: empty parameters
      '<sip:a@b>;tag=', // EQUAL without gen-value
      '<sip:a@b>;tag="x', // unterminated quoted value
      '<sip:a@b> junk',
      '<sip:a@b',
      '<not a uri>',
      '<sip:a@b>tag=1',
    ]) {
      assert.equal(parseNameAddr(bad), null, JSON.stringify(bad));
    }
  });
});

describe('formatNameAddr and tagOf', () => {
  it('always writes <uri>, quoting the display name safely', () => {
    const params = new Map<string, string | null>([
      ['tag', 'x1'],
      ['lr', null],
    ]);
    assert.equal(formatNameAddr({ uri: 'sip:a@b', params }), '<sip:a@b>;tag=x1;lr');
    assert.equal(
      formatNameAddr({ displayName: 'He said "hi" \\ bye\r\nVia: x', uri: 'sip:a@b', params: new Map() }),
      '"He said \\"hi\\" \\\\ bye  Via: x" <sip:a@b>',
    );
  });

  it('format → parse gives the same display name, URI and parameters', () => {
    const original = {
      displayName: 'BEL:\x07 NUL:\x00 "q"',
      uri: 'sip:a@b;lr',
      params: new Map([['tag', '1']]),
    };
    const back = parseNameAddr(formatNameAddr(original));
    assert.deepEqual(back, original);
  });

  it('tagOf reads the tag of From/To values', () => {
    assert.equal(tagOf('"Alice" <sip:alice@atlanta.com>;tag=1928301774'), '1928301774');
    assert.equal(tagOf('sip:alice@atlanta.com;TAG=abc'), 'abc');
    assert.equal(tagOf('<sip:alice@atlanta.com;tag=in-uri>'), undefined);
    assert.equal(tagOf('<sip:alice@atlanta.com>;tag'), undefined);
    assert.equal(tagOf('garbage <'), undefined);
  });
});
