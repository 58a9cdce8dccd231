/** Shared by the message-layer tests: the RFC 4475 corpus, and samples. */
import fs from 'node:fs';
import path from 'node:path';
import { rfc4475Dir } from '../../support/paths.js';

export interface CorpusEntry {
  file: string;
  section: string;
  expected: 'valid' | 'invalid';
  note: string;
  bytes: Buffer;
}

/** The RFC 4475 torture messages listed in their INDEX.tsv (test/fixtures/rfc4475, see rfc4475Dir). */
export function loadRfc4475(dir = rfc4475Dir): CorpusEntry[] {
  const index = path.join(dir, 'INDEX.tsv');
  if (!fs.existsSync(index)) throw new Error(`RFC 4475 corpus not found: expected ${index}`);
  const rows = fs
    .readFileSync(index, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
  return rows.map((row) => {
    const [file = '', section = '', expected = '', note = ''] = row.split('\t');
    if (expected !== 'valid' && expected !== 'invalid')
      throw new Error(`INDEX.tsv: bad expectation in ${row}`);
    return { file, section, expected, note, bytes: fs.readFileSync(path.join(dir, file)) };
  });
}

/** Joins lines with CRLF, ends the head with an empty line and appends the body. */
export function sip(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

const sdp =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

/** Typical messages of an office PBX: REGISTER, INVITE, responses, BYE, OPTIONS over several transports. */
export const SAMPLES: Record<string, Buffer> = {
  register: sip([
    'REGISTER sip:pbx.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'From: "Alice" <sip:100@pbx.example.com>;tag=1928301774',
    'To: <sip:100@pbx.example.com>',
    'Call-ID: a84b4c76e66710@192.0.2.10',
    'CSeq: 1 REGISTER',
    'Contact: <sip:100@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1',
    'User-Agent: Yealink SIP-T46U 108.86.0.45',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, INFO',
    'Supported: path, outbound, gruu',
    'Expires: 3600',
    'Content-Length: 0',
  ]),
  invite: sip(
    [
      'INVITE sip:101@pbx.example.com SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.11:5060;branch=z9hG4bKnashds8;alias',
      'Max-Forwards: 70',
      'From: "Bob, Jr." <sip:102@pbx.example.com>;tag=9fxced76sl',
      'To: Carol <sip:101@pbx.example.com>',
      'Call-ID: 3848276298220188511@192.0.2.11',
      'CSeq: 314159 INVITE',
      'Contact: <sip:102@192.0.2.11:5060;transport=tcp>',
      'Route: <sip:pbx.example.com;lr>, <sip:[2001:db8::1]:5080;lr;transport=tcp>',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
    ],
    sdp,
  ),
  ringing: sip([
    'SIP/2.0 180 Ringing',
    'Via: SIP/2.0/UDP pbx.example.com:5060;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.1',
    'Via: SIP/2.0/TCP 192.0.2.11:5060;branch=z9hG4bKnashds8;rport=5060',
    'Record-Route: <sip:pbx.example.com;lr>',
    'From: "Bob, Jr." <sip:102@pbx.example.com>;tag=9fxced76sl',
    'To: Carol <sip:101@pbx.example.com>;tag=8321234356',
    'Call-ID: 3848276298220188511@192.0.2.11',
    'CSeq: 314159 INVITE',
    'Contact: <sip:101@192.0.2.12>',
    'Content-Length: 0',
  ]),
  unauthorized: sip([
    'SIP/2.0 401 Unauthorized',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.10',
    'From: "Alice" <sip:100@pbx.example.com>;tag=1928301774',
    'To: <sip:100@pbx.example.com>;tag=37GkEhwl6',
    'Call-ID: a84b4c76e66710@192.0.2.10',
    'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="pbx.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=MD5, qop="auth"',
    'Content-Length: 0',
  ]),
  bye: sip([
    'BYE sip:102@192.0.2.11:5060;transport=tcp SIP/2.0',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds10',
    'Max-Forwards: 69',
    'f: <sip:101@pbx.example.com>;tag=8321234356',
    't: "Bob, Jr." <sip:102@pbx.example.com>;tag=9fxced76sl',
    'i: 3848276298220188511@192.0.2.11',
    'CSeq: 231 BYE',
    'l: 0',
  ]),
  options: sip([
    'OPTIONS sip:[2001:db8::5]:5060 SIP/2.0',
    'Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKopt1;rport',
    'Max-Forwards: 70',
    'From: <sip:monitor@[2001:db8::9]>;tag=a',
    'To: <sip:[2001:db8::5]>',
    'Call-ID: opt-1',
    'CSeq: 1 OPTIONS',
    'Accept: application/sdp',
    'Content-Length: 0',
  ]),
};
