/**
 * RFC 4475 — SIP Torture Test Messages, every message of the corpus through the parser.
 * Valid messages (and the "parse-ok:" invalid ones, which a later layer answers with 416/420/415/401/406)
 * must parse; invalid ones must be refused unless the RFC allows leniency and we chose it.
 */
import fs from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseDatagram,
  parseNameAddr,
  parseUri,
  parseVia,
  parseCSeq,
  serializeMessage,
  StreamFramer,
  uriUserDecoded,
  aorOf,
  unescapeUser,
  type ParseResult,
  type SipMessage,
  type SipRequest,
} from '../../../engine/sip/message/index.js';
import { sharedRfc4475Dir } from '../../support/paths.js';
import { loadRfc4475, type CorpusEntry } from './support.js';

/**
 * Invalid messages we accept on purpose, each allowed by the RFC's own note:
 * - lwsstart, trws: extra SP in the Request-Line is harmless once parsed; we never forward it as received.
 * - baddate: Date is not used by the PBX, so its time zone does not matter.
 * - badbranch: a branch of just the magic cookie is a syntactically valid token; the transaction layer
 *   decides (RFC 2543 matching).
 */
const LENIENT = new Map<string, RegExp>([
  ['lwsstart.dat', /lenient acceptance allowed/],
  ['trws.dat', /lenient allowed/],
  ['baddate.dat', /lenient allowed/],
  ['badbranch.dat', /fall back/],
]);

/** Expected failures beyond "not ok": the status to answer and whether it can be answered at all. */
const REFUSALS: Record<string, { status: number; answerable: boolean; reason?: RegExp }> = {
  'badinv01.dat': { status: 400, answerable: true, reason: /Via/ },
  'clerr.dat': { status: 400, answerable: true, reason: /Content-Length/ },
  'ncl.dat': { status: 400, answerable: true, reason: /Content-Length/ },
  'scalar02.dat': { status: 400, answerable: true, reason: /CSeq/ },
  'scalarlg.dat': { status: 400, answerable: false },
  'quotbal.dat': { status: 400, answerable: true, reason: /To/ },
  'ltgtruri.dat': { status: 400, answerable: true, reason: /Request-URI/ },
  'lwsruri.dat': { status: 400, answerable: true, reason: /Request-Line/ },
  'escruri.dat': { status: 400, answerable: true, reason: /Request-URI/ },
  'regbadct.dat': { status: 400, answerable: true, reason: /Contact/ },
  'badaspec.dat': { status: 400, answerable: true, reason: /To/ },
  'baddn.dat': { status: 400, answerable: true, reason: /From/ },
  'badvers.dat': { status: 505, answerable: true, reason: /Version Not Supported/ },
  'mismatch01.dat': { status: 400, answerable: true, reason: /CSeq/ },
  'mismatch02.dat': { status: 400, answerable: true, reason: /CSeq/ },
  'bigcode.dat': { status: 400, answerable: false },
  'insuf.dat': { status: 400, answerable: true, reason: /Missing From, To, Call-ID/ },
  'multi01.dat': { status: 400, answerable: true, reason: /Multiple/ },
  'mcl01.dat': { status: 400, answerable: true, reason: /Content-Length/ },
};

const corpus = loadRfc4475();
const byName = new Map(corpus.map((e) => [e.file, e]));

function parseFile(file: string): ParseResult {
  const e = byName.get(file);
  assert.ok(e, `${file} is listed in INDEX.tsv`);
  return parseDatagram(e.bytes);
}

function parsed(file: string): SipMessage {
  const r = parseFile(file);
  assert.ok(r.ok, `${file} parses (${r.ok ? '' : r.reason})`);
  return r.message;
}

function request(file: string): SipRequest {
  const m = parsed(file);
  assert.equal(m.kind, 'request');
  return m;
}

function mustAccept(e: CorpusEntry): boolean {
  return e.expected === 'valid' || e.note.startsWith('parse-ok:');
}

describe('RFC 4475 torture messages (datagram)', () => {
  it('the corpus lists 49 messages', () => {
    assert.equal(corpus.length, 49);
  });

  it('the copy in test/fixtures is byte for byte the shared corpus beside the repository', (t) => {
    if (!fs.existsSync(sharedRfc4475Dir)) return t.skip(`${sharedRfc4475Dir} is not here to compare with`);
    const shared = loadRfc4475(sharedRfc4475Dir);
    assert.deepEqual(
      corpus.map(({ file, section, expected, note }) => ({ file, section, expected, note })),
      shared.map(({ file, section, expected, note }) => ({ file, section, expected, note })),
    );
    for (const [i, e] of corpus.entries()) assert.ok(e.bytes.equals(shared[i]!.bytes), e.file);
  });

  for (const e of corpus) {
    const label = `${e.file} (§${e.section}, ${e.expected}${e.note.startsWith('parse-ok:') ? ', parse-ok' : ''})`;
    it(label, () => {
      const r = parseDatagram(e.bytes);
      if (mustAccept(e)) {
        assert.ok(r.ok, `${e.file} must be accepted, got ${r.ok ? '' : `${r.status} ${r.reason}`}`);
        return;
      }
      const lenient = LENIENT.get(e.file);
      if (lenient) {
        assert.match(e.note, lenient, `${e.file}: the RFC note must allow leniency`);
        assert.ok(r.ok, `${e.file}: accepted leniently`);
        return;
      }
      assert.ok(!r.ok, `${e.file} must be refused`);
      const want = REFUSALS[e.file];
      assert.ok(want, `${e.file}: expected refusal is documented in this test`);
      assert.equal(r.status, want.status, `${e.file}: ${r.reason}`);
      assert.equal(r.request !== undefined, want.answerable, `${e.file}: answerable`);
      if (want.reason) assert.match(r.reason, want.reason);
      assert.match(r.reason, /^(Bad Request - |Version Not Supported)/);
    });
  }

  it('every accepted message survives serialize → parse with the same meaning', () => {
    for (const e of corpus) {
      const r = parseDatagram(e.bytes);
      if (!r.ok) continue;
      const again = parseDatagram(serializeMessage(r.message));
      assert.ok(again.ok, `${e.file} re-parses: ${again.ok ? '' : again.reason}`);
      const strip = (m: SipMessage) => m.headers.entries.filter((h) => h.name !== 'Content-Length');
      assert.deepEqual(strip(again.message), strip(r.message), e.file);
      assert.deepEqual(again.message.body, r.message.body, e.file);
    }
  });

  it('a refused request carries Via, CSeq and whatever else could be read, to answer from', () => {
    const r = parseFile('insuf.dat');
    assert.ok(!r.ok && r.request);
    assert.equal(r.request.method, 'INVITE');
    assert.equal(r.request.headers.getAll('Via').length, 1);
    assert.equal(r.request.headers.get('CSeq'), '193942 INVITE');
  });
});

describe('RFC 4475 §3.1.1 valid messages: what the parser must make of them', () => {
  it('wsinv: folding everywhere, compact and long forms, three Via values, leading zeros', () => {
    const m = request('wsinv.dat');
    assert.equal(m.method, 'INVITE');
    const vias = m.headers.getAll('Via');
    assert.equal(vias.length, 3);
    const parsedVias = vias.map((v) => parseVia(v));
    assert.deepEqual(
      parsedVias.map((v) => [v?.protocol, v?.transport, v?.host, v?.params.get('branch')]),
      [
        ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
        ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(m.headers.get('Max-Forwards'), '0068');
    assert.deepEqual(parseCSeq(m.headers.get('CSeq') ?? ''), { seq: 9, method: 'INVITE' });
    assert.equal(m.headers.get('Subject'), '');
    assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    const from = parseNameAddr(m.headers.get('From') ?? '');
    assert.equal(from?.displayName, 'J Rosenberg \\"');
    assert.equal(from?.params.get('tag'), '98asjd8');
    assert.equal(parseNameAddr(m.headers.get('To') ?? '')?.params.get('tag'), '1918181833n');
    const contact = parseNameAddr(m.headers.get('Contact') ?? '');
    assert.equal(contact?.displayName, 'Quoted string ""');
    assert.deepEqual(
      [...(contact?.params ?? [])],
      [
        ['newparam', 'newvalue'],
        ['secondparam', null],
        ['q', '0.33'],
      ],
    );
    assert.equal(m.headers.get('Route'), '<sip:services.example.com;lr;unknownwith=value;unknown-no-value>');
    assert.equal(m.body.length, 150);
  });

  it('intmeth: unusual method token, quoted-pair NUL/BEL/DEL, user and password with punctuation', () => {
    const m = request('intmeth.dat');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    const ruri = parseUri(m.uri);
    assert.equal(ruri?.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(ruri?.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(ruri?.host, 'example.com');
    assert.equal(parseNameAddr(m.headers.get('To') ?? '')?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = parseNameAddr(m.headers.get('From') ?? '');
    assert.equal(from?.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from?.params.get('tag'), "_token~1'+`*%!-.");
    assert.equal(m.headers.get('Call-ID'), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  });

  it('esc01: escapes are decoded exactly once', () => {
    const m = request('esc01.dat');
    const ruri = parseUri(m.uri);
    assert.ok(ruri);
    assert.equal(uriUserDecoded(ruri), 'sips:user@example.com');
    const contact = parseNameAddr(m.headers.get('Contact') ?? '');
    const curi = parseUri(contact?.uri ?? '');
    assert.equal(curi && uriUserDecoded(curi), 'caller');
    assert.equal(unescapeUser(curi?.params.get('n%61me') ?? ''), 'value%41');
    const to = parseUri(parseNameAddr(m.headers.get('To') ?? '')?.uri ?? '');
    assert.equal(to && aorOf(to), 'sip:user@example.com');
  });

  it('escnull: %00 is data; two distinct Contacts; the AOR keeps its NUL', () => {
    const m = request('escnull.dat');
    const contacts = m.headers.getAll('Contact').map((c) => parseUri(parseNameAddr(c)?.uri ?? ''));
    assert.equal(contacts.length, 2);
    const users = contacts.map((u) => (u ? uriUserDecoded(u) : undefined));
    assert.deepEqual(users, ['\x00', '\x00\x00']);
    const to = parseUri(parseNameAddr(m.headers.get('To') ?? '')?.uri ?? '');
    assert.equal(to && aorOf(to), 'sip:null-\x00-null@example.com');
  });

  it('esc02: RE%47IST%45R is not REGISTER, and C%6Fntact is not Contact', () => {
    const m = request('esc02.dat');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.notEqual(m.method, 'REGISTER');
    assert.equal(m.headers.getAll('Contact').length, 2);
    assert.equal(m.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
    assert.equal(parseNameAddr(m.headers.get('To') ?? '')?.displayName, '%Z%45');
  });

  it('lwsdisp: a token display name straight against "<"', () => {
    const m = request('lwsdisp.dat');
    const from = parseNameAddr(m.headers.get('From') ?? '');
    assert.equal(from?.displayName, 'caller');
    assert.equal(from?.uri, 'sip:caller@example.com');
  });

  it('longreq: nothing truncated', () => {
    const m = request('longreq.dat');
    assert.equal(m.headers.getAll('Via').length, 34);
    assert.ok((m.headers.get('Call-ID') ?? '').endsWith('reallylongcallid'));
    assert.equal(m.body.length, 150);
    const to = parseNameAddr(m.headers.get('To') ?? '');
    assert.equal(parseUri(to?.uri ?? '')?.port, 6000);
  });

  it('dblreq: only the REGISTER, with an empty body; the trailing INVITE octets are ignored', () => {
    const m = request('dblreq.dat');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
  });

  it('semiuri: the user part is "user;par=u@example.net"', () => {
    const m = request('semiuri.dat');
    const u = parseUri(m.uri);
    assert.equal(u?.user, 'user;par=u%40example.net');
    assert.equal(u && uriUserDecoded(u), 'user;par=u@example.net');
    assert.equal(u?.host, 'example.com');
    assert.equal(u?.params.size, 0);
    assert.equal(m.headers.getAll('Accept').length, 6);
  });

  it('transports: five Via transports including an unknown one', () => {
    const m = request('transports.dat');
    assert.deepEqual(
      m.headers.getAll('Via').map((v) => parseVia(v)?.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  });

  it('mpart01: the binary body is framed by Content-Length, 553 octets, byte for byte', () => {
    const e = byName.get('mpart01.dat');
    assert.ok(e);
    const m = request('mpart01.dat');
    assert.equal(m.body.length, 553);
    const headEnd = e.bytes.indexOf('\r\n\r\n') + 4;
    assert.deepEqual(m.body, e.bytes.subarray(headEnd, headEnd + 553));
    assert.ok(m.body.includes(0), 'the body holds NUL octets');
  });

  it('unreason and noreason: responses with a UTF-8 or an empty reason phrase', () => {
    const un = parsed('unreason.dat');
    assert.equal(un.kind, 'response');
    assert.ok(un.kind === 'response' && un.reason.startsWith('= 2**3 * 5**2 но'));
    const no = parsed('noreason.dat');
    assert.ok(no.kind === 'response' && no.status === 100 && no.reason === '');
  });

  it('cparam01 / cparam02: ;unknownparam is a contact-param without <>, a URI param within', () => {
    const c1 = parseNameAddr(request('cparam01.dat').headers.get('Contact') ?? '');
    assert.equal(c1?.uri, 'sip:+19725552222@gw1.example.net');
    assert.ok(c1?.params.has('unknownparam'));
    assert.equal(parseUri(c1?.uri ?? '')?.params.size, 0);
    const c2 = parseNameAddr(request('cparam02.dat').headers.get('Contact') ?? '');
    assert.equal(c2?.params.size, 0);
    assert.equal(parseUri(c2?.uri ?? '')?.params.has('unknownparam'), true);
  });

  it('regescrt: the escaped Route header stays in the Contact URI', () => {
    const c = parseNameAddr(request('regescrt.dat').headers.get('Contact') ?? '');
    assert.equal(parseUri(c?.uri ?? '')?.headers.get('Route'), '%3Csip:sip.example.com%3E');
  });

  it('zeromf and inv2543: Max-Forwards 0; an RFC 2543 INVITE whose body is the rest of the datagram', () => {
    assert.equal(request('zeromf.dat').headers.get('Max-Forwards'), '0');
    const e = byName.get('inv2543.dat');
    assert.ok(e);
    const m = request('inv2543.dat');
    assert.equal(m.headers.has('Max-Forwards'), false);
    assert.equal(m.body.length, e.bytes.length - (e.bytes.indexOf('\r\n\r\n') + 4));
  });

  it('parse-ok messages parse: unknown schemes, unknown options, content types, auth schemes, broadcast', () => {
    assert.equal(parseUri(request('unkscm.dat').uri)?.scheme, 'nobodyknowsthisscheme');
    assert.equal(parseUri(request('novelsc.dat').uri)?.scheme, 'soap.beep');
    const unksm2 = request('unksm2.dat');
    assert.equal(parseUri(parseNameAddr(unksm2.headers.get('To') ?? '')?.uri ?? '')?.scheme, 'isbn');
    assert.deepEqual(request('bext01.dat').headers.getAll('Require'), [
      'nothingSupportsThis',
      'nothingSupportsThisEither',
    ]);
    assert.equal(
      request('regaut01.dat').headers.get('Authorization'),
      'NoOneKnowsThisScheme opaque-data=here',
    );
    assert.equal(parsed('bcast.dat').headers.getAll('Via').length, 2);
  });
});

describe('RFC 4475 over a stream: never crash, never stall', () => {
  for (const mode of ['one chunk', 'byte by byte'] as const) {
    it(`every message, ${mode}`, () => {
      for (const e of corpus) {
        const framer = new StreamFramer();
        const results: ParseResult[] = [];
        if (mode === 'one chunk') results.push(...framer.push(e.bytes));
        else
          for (let i = 0; i < e.bytes.length; i++) results.push(...framer.push(e.bytes.subarray(i, i + 1)));
        for (const r of results) if (!r.ok) assert.ok(r.status >= 400 && r.status <= 599, e.file);
        if (mustAccept(e) && e.file !== 'dblreq.dat') {
          assert.ok(results[0]?.ok, `${e.file}: first message framed and accepted`);
        }
      }
    });
  }

  it('dblreq on a stream is two messages (RFC 4475 §3.1.1.8)', () => {
    const e = byName.get('dblreq.dat');
    assert.ok(e);
    const results = new StreamFramer().push(e.bytes);
    assert.ok(
      results[0]?.ok && results[0].message.kind === 'request' && results[0].message.method === 'REGISTER',
    );
    assert.ok(
      results[1]?.ok && results[1].message.kind === 'request' && results[1].message.method === 'INVITE',
    );
  });

  it('ncl and mcl01 break the stream: framing is lost', () => {
    for (const file of ['ncl.dat', 'mcl01.dat']) {
      const e = byName.get(file);
      assert.ok(e);
      const framer = new StreamFramer();
      const results = framer.push(e.bytes);
      assert.equal(framer.broken, true, file);
      assert.equal(results.length, 1);
      assert.ok(!results[0]?.ok && results[0]?.status === 400);
    }
  });
});
