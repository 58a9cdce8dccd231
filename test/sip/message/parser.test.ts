/** RFC 3261 §7 message syntax and §18.3 datagram framing, through parseDatagram. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRequest,
  isKeepAlive,
  MAX_MESSAGE_SIZE,
  parseDatagram,
  parseNameAddr,
  serializeMessage,
  type ParseResult,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../engine/sip/message/index.js';
import { SAMPLES, sip } from './support.js';

const HEAD = [
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.com',
  'CSeq: 314159 INVITE',
];

function ok(r: ParseResult): SipMessage {
  assert.ok(r.ok, r.ok ? '' : `${r.status} ${r.reason}`);
  return r.message;
}
function req(r: ParseResult): SipRequest {
  const m = ok(r);
  assert.equal(m.kind, 'request');
  return m;
}
function res(r: ParseResult): SipResponse {
  const m = ok(r);
  assert.equal(m.kind, 'response');
  return m;
}
function refused(r: ParseResult, status: number, reason?: RegExp): Extract<ParseResult, { ok: false }> {
  assert.ok(!r.ok, 'refused');
  assert.equal(r.status, status, r.reason);
  if (reason) assert.match(r.reason, reason);
  return r;
}
/** HEAD with header `name` removed and `extra` lines appended. */
function variant(drop: string[], extra: string[] = [], body = ''): Buffer {
  const lines = HEAD.filter((l) => !drop.some((d) => l.startsWith(`${d}:`)));
  return sip([...lines, ...extra, `Content-Length: ${Buffer.byteLength(body)}`], body);
}

describe('§7.1 start line', () => {
  it('reads a request line and a status line', () => {
    const r = req(parseDatagram(variant([])));
    assert.equal(r.method, 'INVITE');
    assert.equal(r.uri, 'sip:bob@biloxi.com');
    const s = res(parseDatagram(SAMPLES.ringing!));
    assert.equal(s.status, 180);
    assert.equal(s.reason, 'Ringing');
  });

  it('method names are case-sensitive tokens; an unknown method parses', () => {
    const m = req(
      parseDatagram(
        Buffer.from(variant(['CSeq'], ['CSeq: 1 invite']).toString().replace('INVITE sip', 'invite sip')),
      ),
    );
    assert.equal(m.method, 'invite');
    assert.equal(
      req(
        parseDatagram(
          Buffer.from(variant(['CSeq'], ['CSeq: 1 FOO']).toString().replace('INVITE sip', 'FOO sip')),
        ),
      ).method,
      'FOO',
    );
  });

  it('a SIP version other than 2.0 in a request is answered 505 (§8.2.2 ... §21.5.7)', () => {
    const r = refused(
      parseDatagram(Buffer.from(variant([]).toString().replace(' SIP/2.0\r\n', ' SIP/3.0\r\n'))),
      505,
      /Version Not Supported/,
    );
    assert.equal(r.request?.method, 'INVITE');
  });

  it('a malformed version or Request-Line is a 400', () => {
    const v = refused(
      parseDatagram(Buffer.from(variant([]).toString().replace(' SIP/2.0\r\n', ' SIP/2\r\n'))),
      400,
      /SIP-Version/,
    );
    assert.ok(v.request);
    const http = refused(
      parseDatagram(Buffer.from(variant([]).toString().replace(' SIP/2.0\r\n', ' HTTP/1.1\r\n'))),
      400,
    );
    assert.equal(http.request, undefined, 'not SIP: nothing to answer');
    refused(
      parseDatagram(
        Buffer.from(variant([]).toString().replace('sip:bob@biloxi.com SIP', 'sip:bob@biloxi.com; lr SIP')),
      ),
      400,
      /Request-Line/,
    );
    refused(
      parseDatagram(
        Buffer.from(variant([]).toString().replace('sip:bob@biloxi.com SIP', '<sip:bob@biloxi.com> SIP')),
      ),
      400,
      /Request-URI/,
    );
  });

  it('a sip: Request-URI may not carry headers (§19.1.1); unknown schemes parse (the core answers 416)', () => {
    refused(
      parseDatagram(
        Buffer.from(
          variant([])
            .toString()
            .replace('sip:bob@biloxi.com SIP', 'sip:bob@biloxi.com?Route=%3Csip:x%3E SIP'),
        ),
      ),
      400,
      /Headers in Request-URI/,
    );
    assert.equal(
      req(
        parseDatagram(
          Buffer.from(variant([]).toString().replace('sip:bob@biloxi.com SIP', 'urn:service:sos SIP')),
        ),
      ).uri,
      'urn:service:sos',
    );
  });

  it('a status code must be three digits in 100..699; a bad response is never answerable', () => {
    for (const line of [
      'SIP/2.0 099 Nope',
      'SIP/2.0 700 Nope',
      'SIP/2.0 4294967301 big',
      'SIP/2.0 20 OK',
      'SIP/3.0 200 OK',
    ]) {
      const r = parseDatagram(Buffer.from(SAMPLES.ringing!.toString().replace('SIP/2.0 180 Ringing', line)));
      const f = refused(r, 400);
      assert.equal(f.request, undefined, line);
    }
    assert.equal(
      res(
        parseDatagram(Buffer.from(SAMPLES.ringing!.toString().replace('SIP/2.0 180 Ringing', 'SIP/2.0 180'))),
      ).reason,
      '',
    );
  });

  it('garbage and empty datagrams are refused without a request to answer', () => {
    for (const g of [
      'hello',
      '\x00\x01\x02',
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      '\r\n\r\n',
      '',
      ' INVITE sip:a@b SIP/2.0\r\n\r\n',
    ]) {
      const r = parseDatagram(Buffer.from(g, 'latin1'));
      assert.ok(!r.ok && r.status === 400 && r.request === undefined, JSON.stringify(g));
    }
  });
});

describe('§7.3 header fields', () => {
  it('leading CRLFs before the start line are skipped (keep-alives)', () => {
    req(parseDatagram(Buffer.concat([Buffer.from('\r\n\r\n\n'), variant([])])));
    assert.equal(isKeepAlive(Buffer.from('\r\n\r\n')), true);
    assert.equal(isKeepAlive(Buffer.from('\r\nX')), false);
  });

  it('a folded field (CRLF then SP/HTAB) is one field; the fold is one SP (§7.3.1)', () => {
    const m = req(
      parseDatagram(
        variant(
          ['Max-Forwards'],
          [
            "Subject: I know you're there,\r\n   pick up the phone\r\n\tand talk to me!",
            'Max-Forwards:\r\n 70',
          ],
        ),
      ),
    );
    assert.equal(m.headers.get('Subject'), "I know you're there, pick up the phone and talk to me!");
    assert.equal(m.headers.get('Max-Forwards'), '70');
  });

  it('bare LF line endings are accepted', () => {
    const lf = Buffer.from(variant([]).toString().replace(/\r\n/g, '\n'));
    const m = req(parseDatagram(lf));
    assert.equal(m.headers.get('Call-ID'), 'a84b4c76e66710@pc33.atlanta.com');
  });

  it('a bare CR inside a field is refused', () => {
    refused(parseDatagram(variant([], ['Subject: a\rb'])), 400, /Bare CR/);
  });

  it('names are case-insensitive, LWS before ":" is allowed, and compact forms are stored canonical (§7.3.3)', () => {
    const m = req(
      parseDatagram(
        sip([
          'INVITE sip:bob@biloxi.com SIP/2.0',
          'v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
          'MAX-FORWARDS   : 70',
          't: <sip:bob@biloxi.com>',
          'f: <sip:alice@atlanta.com>;tag=1',
          'i: abc',
          'cSeQ: 1 INVITE',
          'm: <sip:alice@pc33.atlanta.com>',
          'k: 100rel',
          'c: application/sdp',
          'l: 0',
        ]),
      ),
    );
    assert.deepEqual(
      m.headers.entries.map((e) => e.name),
      [
        'Via',
        'Max-Forwards',
        'To',
        'From',
        'Call-ID',
        'CSeq',
        'Contact',
        'Supported',
        'Content-Type',
        'Content-Length',
      ],
    );
    assert.equal(m.headers.get('m'), '<sip:alice@pc33.atlanta.com>');
  });

  it('a line without ":" or with a non-token name is a 400 that still carries the request', () => {
    const r = refused(parseDatagram(variant([], ['This is not a header'])), 400, /Malformed Header/);
    assert.equal(r.request?.headers.get('Call-ID'), 'a84b4c76e66710@pc33.atlanta.com');
    refused(parseDatagram(variant([], ['Bad Name: x'])), 400, /Header Name/);
  });

  it('list headers split at top-level commas only — not inside quotes or <> (§7.3.1)', () => {
    const m = req(
      parseDatagram(
        variant(
          [],
          [
            'Contact: "Doe, John \\"JD\\", Jr." <sip:jd@a.example.com;x=1,2>;q=0.5, <sip:u,v@b.example.com>, sip:c@c.example.com;expires=0',
            'Allow: INVITE,ACK ,  BYE,,CANCEL',
            'Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>',
            'Route: <sip:p3.example.com;lr>',
            'Via: SIP/2.0/UDP second.example.com;branch=z9hG4bK2, SIP/2.0/UDP third.example.com;branch=z9hG4bK3',
            'Authorization: Digest username="a,b", realm="r", nonce="n", uri="sip:x", response="0"',
            'Date: Sat, 13 Nov 2010 23:29:00 GMT',
            'X-Custom: a, b',
          ],
        ),
      ),
    );
    const contacts = m.headers.getAll('Contact');
    assert.equal(contacts.length, 3);
    assert.equal(parseNameAddr(contacts[0]!)?.displayName, 'Doe, John "JD", Jr.');
    assert.equal(parseNameAddr(contacts[1]!)?.uri, 'sip:u,v@b.example.com');
    assert.deepEqual(m.headers.getAll('Allow'), ['INVITE', 'ACK', 'BYE', 'CANCEL']);
    assert.deepEqual(m.headers.getAll('Route'), [
      '<sip:p1.example.com;lr>',
      '<sip:p2.example.com;lr>',
      '<sip:p3.example.com;lr>',
    ]);
    assert.equal(m.headers.getAll('Via').length, 3);
    assert.equal(m.headers.getAll('Authorization').length, 1);
    assert.equal(m.headers.get('Date'), 'Sat, 13 Nov 2010 23:29:00 GMT');
    assert.equal(m.headers.get('X-Custom'), 'a, b');
  });

  it('an empty element in Via or Contact is a 400 (RFC 4475 badinv01)', () => {
    refused(
      parseDatagram(
        variant([], ['Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,,SIP/2.0/UDP b.example.com']),
      ),
      400,
      /Via/,
    );
    refused(parseDatagram(variant([], ['Contact: <sip:a@b>,'])), 400, /Contact/);
  });

  it('an empty list header keeps one empty entry (Supported:)', () => {
    assert.deepEqual(req(parseDatagram(variant([], ['Supported:']))).headers.getAll('Supported'), ['']);
  });
});

describe('mandatory headers and their values (§8.1.1, §20)', () => {
  it('a request needs Via, From, To, Call-ID and CSeq; the reason names what is missing', () => {
    for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      const r = refused(parseDatagram(variant([h])), 400, new RegExp(`^Bad Request - Missing ${h}$`));
      assert.equal(r.request?.method, 'INVITE', h);
    }
    refused(parseDatagram(variant(['From', 'To'])), 400, /^Bad Request - Missing From, To$/);
  });

  it('Max-Forwards is optional on input', () => {
    assert.equal(req(parseDatagram(variant(['Max-Forwards']))).headers.has('Max-Forwards'), false);
  });

  it('From, To, Call-ID, CSeq and Max-Forwards appear once (RFC 4475 multi01)', () => {
    for (const extra of [
      'From: <sip:x@y>;tag=2',
      'To: <sip:x@y>',
      'Call-ID: other',
      'CSeq: 1 INVITE',
      'Max-Forwards: 70',
    ]) {
      refused(parseDatagram(variant([], [extra])), 400, /Multiple/);
    }
  });

  it('CSeq: number up to 2**32-1 and a method equal to the request method', () => {
    assert.equal(
      req(parseDatagram(variant(['CSeq'], ['CSeq: 00004294967295 INVITE']))).headers.get('CSeq'),
      '00004294967295 INVITE',
    );
    refused(parseDatagram(variant(['CSeq'], ['CSeq: 4294967296 INVITE'])), 400, /Invalid CSeq/);
    refused(parseDatagram(variant(['CSeq'], ['CSeq: 1 OPTIONS'])), 400, /CSeq Method Mismatch/);
    refused(parseDatagram(variant(['CSeq'], ['CSeq: INVITE'])), 400, /Invalid CSeq/);
  });

  it('Max-Forwards 0..255 with leading zeros; Expires digits', () => {
    assert.equal(
      req(parseDatagram(variant(['Max-Forwards'], ['Max-Forwards: 0255']))).headers.get('Max-Forwards'),
      '0255',
    );
    refused(parseDatagram(variant(['Max-Forwards'], ['Max-Forwards: 256'])), 400, /Max-Forwards/);
    refused(parseDatagram(variant(['Max-Forwards'], ['Max-Forwards: -1'])), 400, /Max-Forwards/);
    req(parseDatagram(variant([], ['Expires: 3600'])));
    refused(parseDatagram(variant([], ['Expires: Thu, 01 Dec 1994 16:00:00 GMT'])), 400, /Expires/);
  });

  it('Via, From, To, Contact, Route must parse; Contact: * is fine', () => {
    refused(parseDatagram(variant(['Via'], ['Via: SIP/2.0/UDP'])), 400, /Invalid Via/);
    refused(parseDatagram(variant(['From'], ['From: Bell, Alexander <sip:a@b>;tag=1'])), 400, /Invalid From/);
    refused(parseDatagram(variant(['To'], ['To: "unterminated <sip:a@b>'])), 400, /Invalid To/);
    refused(parseDatagram(variant([], ['Contact: <sip:a@b'])), 400, /Invalid Contact/);
    refused(parseDatagram(variant([], ['Route: <bogus>'])), 400, /Invalid Route/);
    req(parseDatagram(variant([], ['Contact: *'])));
    refused(parseDatagram(variant(['Call-ID'], ['Call-ID: a b'])), 400, /Call-ID/);
  });

  it('a response needs the same headers, except Max-Forwards; a bad one has no request', () => {
    const noCallId = Buffer.from(SAMPLES.ringing!.toString().replace(/Call-ID: [^\r]*\r\n/, ''));
    const r = refused(parseDatagram(noCallId), 400, /Missing Call-ID/);
    assert.equal(r.request, undefined);
  });
});

describe('§18.3 datagram framing', () => {
  it('Content-Length frames the body; octets after it are ignored (RFC 4475 dblreq)', () => {
    const m = req(parseDatagram(Buffer.concat([variant([], [], 'hello'), Buffer.from('TRAILING GARBAGE')])));
    assert.equal(m.body.toString(), 'hello');
  });

  it('without Content-Length the body is the rest of the datagram', () => {
    const buf = Buffer.concat([sip(HEAD), Buffer.from([0, 1, 2, 13, 10, 13, 10, 255])]);
    assert.deepEqual([...req(parseDatagram(buf)).body], [0, 1, 2, 13, 10, 13, 10, 255]);
  });

  it('the body is binary and never decoded', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xc3]);
    const buf = Buffer.concat([sip([...HEAD, `Content-Length: ${body.length}`]), body]);
    assert.deepEqual(req(parseDatagram(buf)).body, body);
  });

  it('Content-Length larger than the datagram, negative, non-numeric or conflicting is a 400', () => {
    refused(parseDatagram(variant([], ['Content-Length: 9999'], '')), 400, /Content-Length/);
    refused(parseDatagram(sip([...HEAD, 'Content-Length: 99999999999999999999999'])), 400, /Content-Length/);
    for (const v of ['-999', '+5', '0x10', '', '1 2']) {
      const r = refused(parseDatagram(sip([...HEAD, `Content-Length: ${v}`])), 400, /Invalid Content-Length/);
      assert.ok(r.request, v);
    }
    refused(
      parseDatagram(sip([...HEAD, 'Content-Length: 5', 'l: 6'], 'hello!')),
      400,
      /Conflicting Content-Length/,
    );
    assert.equal(
      req(parseDatagram(sip([...HEAD, 'Content-Length: 5', 'l: 5'], 'hello'))).body.toString(),
      'hello',
    );
  });

  it('a head without the empty line is read as head only', () => {
    const m = req(parseDatagram(Buffer.from(`${HEAD.join('\r\n')}\r\nl: 0\r\n`)));
    assert.equal(m.body.length, 0);
  });

  it(`more than MAX_MESSAGE_SIZE (${MAX_MESSAGE_SIZE}) octets is a 413, answerable when the head was read`, () => {
    const body = 'x'.repeat(MAX_MESSAGE_SIZE);
    const r = refused(parseDatagram(variant([], [], body)), 413);
    assert.equal(r.request?.method, 'INVITE');
    const ofSize = (total: number): Buffer => {
      let b = total - variant([], [], '').length;
      for (;;) {
        const m = variant([], [], 'y'.repeat(b));
        if (m.length === total) return m;
        b += total - m.length;
      }
    };
    assert.equal(req(parseDatagram(ofSize(MAX_MESSAGE_SIZE))).body.length > 65000, true);
    refused(parseDatagram(ofSize(MAX_MESSAGE_SIZE + 1)), 413, /Request Entity Too Large/);
  });
});

describe('serialize(parse(x)) keeps the meaning', () => {
  for (const [name, buf] of Object.entries(SAMPLES)) {
    it(name, () => {
      const first = ok(parseDatagram(buf));
      const second = ok(parseDatagram(serializeMessage(first)));
      assert.deepEqual(second, first);
    });
  }

  it('serializeMessage writes exactly one Content-Length, whatever spelling the headers use', () => {
    const m = createRequest('OPTIONS', 'sip:a@b', [
      { name: 'content-length', value: '99' },
      { name: 'l', value: '5' },
    ]);
    const text = serializeMessage(m).toString();
    assert.equal(text.match(/content-length|\r\nl:/gi)?.length, 1);
    assert.ok(text.endsWith('Content-Length: 0\r\n\r\n'));
  });

  it('folded, compact, LF-only input comes out as one CRLF line per list element', () => {
    const input = Buffer.from(
      'OPTIONS sip:a@b SIP/2.0\nv: SIP/2.0/UDP h1;branch=z9hG4bK1,\n SIP/2.0/UDP h2;branch=z9hG4bK2\nf: <sip:x@y>;tag=1\nt: <sip:a@b>\ni: c1\nCSeq: 2\n OPTIONS\n\n',
    );
    const text = serializeMessage(ok(parseDatagram(input))).toString();
    assert.equal(
      text,
      'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP h2;branch=z9hG4bK2\r\n' +
        'From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
  });
});
