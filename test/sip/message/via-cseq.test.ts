/** RFC 3261 §20.42 Via (with RFC 3581 rport) and §20.16 CSeq. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  branchOf,
  formatVia,
  hasRfc3261Branch,
  parseCSeq,
  parseVia,
} from '../../../engine/sip/message/index.js';

describe('parseVia', () => {
  it('reads protocol, transport, sent-by and parameters', () => {
    const v = parseVia(
      'SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport;ttl=16;maddr=224.2.0.1',
    );
    assert.ok(v);
    assert.equal(v.protocol, 'SIP/2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, 'pc33.atlanta.com');
    assert.equal(v.port, 5066);
    assert.equal(branchOf(v), 'z9hG4bK776asdhds');
    assert.equal(v.params.get('received'), '192.0.2.1');
    assert.equal(v.params.get('rport'), null);
    assert.equal(v.params.get('ttl'), '16');
  });

  it('LWS is allowed around "/", ":", ";" and "=" (RFC 4475 wsinv)', () => {
    const v = parseVia(
      'SIP  /    2.0   / udp  192.168.255.111 :  5060  ; branch= z9hG4bK30239 ;RPORT = 1234',
    );
    assert.equal(v?.transport, 'UDP');
    assert.equal(v?.host, '192.168.255.111');
    assert.equal(v?.port, 5060);
    assert.equal(v?.params.get('branch'), 'z9hG4bK30239');
    assert.equal(v?.params.get('rport'), '1234');
  });

  it('IPv6 sent-by in brackets, received as a bare IPv6 address', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bKx;received=2001:db8::10');
    assert.equal(v?.host, '[2001:db8::9]');
    assert.equal(v?.port, 5061);
    assert.equal(v?.params.get('received'), '2001:db8::10');
  });

  it('WebSocket transports and unknown ones are tokens', () => {
    assert.equal(parseVia('SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKx')?.transport, 'WSS');
    assert.equal(parseVia('SIP/2.0/UNKNOWN t4.example.com')?.transport, 'UNKNOWN');
  });

  it('refuses malformed values', () => {
    for (const bad of [
      '',
      'SIP/2.0/UDP',
      'SIP/2.0 UDP host',
      'SIP/2.0/UDPhost',
      'SIP/2.0/UDP host:',
      'SIP/2.0/UDP host:99999',
      'SIP/2.0/UDP host;;',
      'SIP/2.0/UDP 192.0.2.15;;', // RFC 4475 badinv01
      'SIP/2.0/UDP host;branch',
      'SIP/2.0/UDP host;ttl=256',
      'SIP/2.0/UDP host;rport=abc',
      'SIP/2.0/UDP host;maddr=a b',
      'SIP/2.0/UDP [::1;branch=x',
      'SIP/2.0/UDP ho"st',
    ]) {
      assert.equal(parseVia(bad), null, JSON.stringify(bad));
    }
  });

  it('formatVia writes a value that parses to the same Via', () => {
    const v = parseVia('SIP / 2.0 / tcp [::1] : 5060 ; branch = z9hG4bKa ; rport');
    assert.ok(v);
    assert.equal(formatVia(v), 'SIP/2.0/TCP [::1]:5060;branch=z9hG4bKa;rport');
    assert.deepEqual(parseVia(formatVia(v)), v);
  });

  it('hasRfc3261Branch: the magic cookie with something after it (§8.1.1.7; RFC 4475 badbranch)', () => {
    const v = (s: string) => parseVia(`SIP/2.0/UDP h${s}`) ?? assert.fail(s);
    assert.equal(hasRfc3261Branch(v(';branch=z9hG4bK74bf9')), true);
    assert.equal(hasRfc3261Branch(v(';branch=z9hG4bK')), false);
    assert.equal(hasRfc3261Branch(v(';branch=1234')), false);
    assert.equal(hasRfc3261Branch(v('')), false);
    assert.equal(branchOf(v('')), undefined);
  });
});

describe('parseCSeq', () => {
  it('reads sequence number and method; leading zeros and LWS are fine', () => {
    assert.deepEqual(parseCSeq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
    assert.deepEqual(parseCSeq('  0009 \t  INVITE '), { seq: 9, method: 'INVITE' });
    assert.deepEqual(parseCSeq('0 ACK'), { seq: 0, method: 'ACK' });
  });

  it('accepts up to 2**32-1 and refuses more (RFC 4475 scalar02)', () => {
    assert.deepEqual(parseCSeq('4294967295 REGISTER'), { seq: 4294967295, method: 'REGISTER' });
    assert.equal(parseCSeq('4294967296 REGISTER'), null);
    assert.equal(parseCSeq('36893488147419103232 REGISTER'), null);
    assert.equal(parseCSeq(`${'9'.repeat(5000)} INVITE`), null);
  });

  it('refuses malformed values', () => {
    for (const bad of [
      '',
      'INVITE',
      '12',
      '12INVITE',
      '-1 INVITE',
      '1.5 INVITE',
      '1 INVITE BYE',
      '1 INV/ITE',
      'x1 INVITE',
    ]) {
      assert.equal(parseCSeq(bad), null, bad);
    }
  });

  it('the method is case-sensitive and may be unknown', () => {
    assert.deepEqual(parseCSeq('1 invite'), { seq: 1, method: 'invite' });
    assert.deepEqual(parseCSeq('1 RE%47IST%45R'), { seq: 1, method: 'RE%47IST%45R' });
  });
});
