// Transaction and proxy rules checked on the wire with a raw UDP/TCP client: retransmissions absorbed,
// final responses retransmitted until ACKed (Timer G), loops detected, unknown methods, oversized messages
// on TCP, and open calls answered on shutdown.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import {
  challengeParams,
  digestResponse,
  parseRawResponse,
  randomId,
  registerRequest,
  registerWithAuth,
  UdpSipClient,
} from '../support/raw-sip-client.js';

const CALLER = { user: '4100', password: 'caller-secret-1' };
const CALLEE = { user: '4101', password: 'callee-secret-1' };

interface Invite {
  callId: string;
  fromTag: string;
  branch: string;
  text: string;
}

function invite(
  c: UdpSipClient,
  pbxPort: number,
  to: string,
  opts: { callId?: string; cseq?: number; auth?: string; branch?: string } = {},
): Invite {
  const callId = opts.callId ?? randomId();
  const fromTag = 'ft' + callId.slice(0, 6);
  const branch = opts.branch ?? `z9hG4bK${randomId()}`;
  const text = [
    `INVITE sip:${to}@127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${CALLER.user}@127.0.0.1>;tag=${fromTag}`,
    `To: <sip:${to}@127.0.0.1>`,
    `Call-ID: ${callId}`,
    `CSeq: ${opts.cseq ?? 1} INVITE`,
    `Contact: <sip:${CALLER.user}@127.0.0.1:${c.port}>`,
    ...(opts.auth ? [`Proxy-Authorization: ${opts.auth}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { callId, fromTag, branch, text };
}

function ackFor(
  inv: Invite,
  c: UdpSipClient,
  pbxPort: number,
  to: string,
  toHeader: string,
  cseq = 1,
): string {
  return [
    `ACK sip:${to}@127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=${inv.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${CALLER.user}@127.0.0.1>;tag=${inv.fromTag}`,
    `To: ${toHeader}`,
    `Call-ID: ${inv.callId}`,
    `CSeq: ${cseq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * INVITE, take the 407, ACK it, send the INVITE again with credentials; returns the authenticated INVITE.
 * `rewrite` changes each INVITE's text before it is sent (e.g. a Contact behind NAT).
 */
async function authenticatedInvite(
  c: UdpSipClient,
  pbxPort: number,
  to: string,
  rewrite: (text: string) => string = (t) => t,
): Promise<Invite> {
  const first = invite(c, pbxPort, to);
  c.send(rewrite(first.text), pbxPort);
  const ch = await c.response(first.callId);
  assert.equal(ch?.status, 407);
  c.send(ackFor(first, c, pbxPort, to, ch.header('to')!), pbxPort);
  const p = challengeParams(ch.header('proxy-authenticate')!);
  const uri = `sip:${to}@127.0.0.1:${pbxPort}`;
  const resp = digestResponse(
    'MD5',
    CALLER.user,
    p.realm!,
    CALLER.password,
    'INVITE',
    uri,
    p.nonce!,
    '00000001',
    'cn',
  );
  const auth = `Digest username="${CALLER.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${resp}", algorithm=MD5, qop=auth, nc=00000001, cnonce="cn"`;
  const second = invite(c, pbxPort, to, { callId: first.callId, cseq: 2, auth });
  c.send(rewrite(second.text), pbxPort);
  return second;
}

describe('transactions and proxy rules on the wire', () => {
  let pbx: RunningEngine;
  let c: UdpSipClient;

  before(async () => {
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    for (const u of [CALLER, CALLEE])
      assert.equal(
        (await pbx.api('POST', '/api/users', { extension: u.user, name: u.user, secret: u.password })).status,
        201,
      );
    c = await UdpSipClient.open();
  });

  after(async () => {
    c.close();
    await pbx.stop();
  });

  it('absorbs a retransmitted authenticated REGISTER: the same 200 is sent again, not a replay rejection', async () => {
    const callId = randomId();
    c.send(registerRequest(c, pbx.sipPort, { user: CALLER.user, callId }), pbx.sipPort);
    const ch = (await c.response(callId))!;
    assert.equal(ch.status, 401);
    const p = challengeParams(ch.header('www-authenticate')!);
    const uri = `sip:127.0.0.1:${pbx.sipPort}`;
    const resp = digestResponse(
      'MD5',
      CALLER.user,
      p.realm!,
      CALLER.password,
      'REGISTER',
      uri,
      p.nonce!,
      '00000001',
      'rt',
    );
    const auth = `Digest username="${CALLER.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${resp}", algorithm=MD5, qop=auth, nc=00000001, cnonce="rt"`;
    const req = registerRequest(c, pbx.sipPort, { user: CALLER.user, callId, cseq: 2, auth, expires: 300 });
    c.send(req, pbx.sipPort);
    const a = await c.response(callId);
    c.send(req, pbx.sipPort);
    const b = await c.response(callId);
    assert.equal(a?.status, 200);
    // Processed again, the same nonce-count would be refused as a replay; the transaction answers instead.
    assert.equal(b?.raw, a?.raw, 'a retransmission gets the identical response');
  });

  it('challenges a REGISTER in its transaction: a retransmission gets the identical 401 (§17.2.2)', async () => {
    const callId = randomId();
    const req = registerRequest(c, pbx.sipPort, { user: CALLER.user, callId });
    c.send(req, pbx.sipPort);
    const a = await c.response(callId);
    c.send(req, pbx.sipPort);
    const b = await c.response(callId);
    assert.equal(a?.status, 401);
    assert.equal(b?.raw, a?.raw, 'same To tag (§8.2.7) and same nonce: the client sees a retransmission');
  });

  it('answers an in-dialog request addressed to itself with no Route 481, not a loop of its own (§16.3)', async () => {
    // What sipp sends to abort a registration it gave up on: a BYE to the registrar with the 401's To tag.
    const callId = randomId();
    c.send(
      [
        `BYE sip:127.0.0.1:${pbx.sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bK${randomId()};rport`,
        'Max-Forwards: 70',
        `From: <sip:${CALLER.user}@127.0.0.1>;tag=${randomId()}`,
        `To: <sip:${CALLER.user}@127.0.0.1>;tag=${randomId()}`,
        `Call-ID: ${callId}`,
        'CSeq: 3 BYE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      pbx.sipPort,
    );
    assert.equal((await c.response(callId))?.status, 481);
  });

  it('retransmits a final INVITE response until it is acknowledged (Timer G), then stops', async () => {
    const inv = invite(c, pbx.sipPort, CALLEE.user);
    c.send(inv.text, pbx.sipPort);
    const first = await c.response(inv.callId);
    assert.equal(first?.status, 407);
    const again = await c.response(inv.callId, 2000);
    assert.equal(again?.status, 407, 'the 407 is retransmitted while no ACK arrives');
    c.send(ackFor(inv, c, pbx.sipPort, CALLEE.user, first.header('to')!), pbx.sipPort);
    await new Promise((r) => setTimeout(r, 200));
    while (await c.receive((m) => m.includes(inv.callId), 10)); // drain what was already in flight
    const after = await c.response(inv.callId, 2500);
    assert.equal(after, undefined, 'no retransmission after the ACK');
  });

  it('detects a loop: a phone that forwards the call back to the same extension gets 482, not a challenge', async () => {
    const looper = { user: '4102', password: 'looper-secret' };
    assert.equal(
      (await pbx.api('POST', '/api/users', { extension: looper.user, name: 'Loop', secret: looper.password }))
        .status,
      201,
    );
    const phone = await UdpSipClient.open();
    const r = await registerWithAuth(phone, pbx.sipPort, { ...looper, expires: 300 });
    assert.equal(r.status, 200);
    const inv = await authenticatedInvite(c, pbx.sipPort, looper.user);
    const forwarded = await phone.receive((m) => m.startsWith('INVITE ') && m.includes(inv.callId), 3000);
    assert.ok(forwarded, 'the call reached the phone');
    // The phone "forwards" the call to extension 4102 at the PBX again: its own Via on top, the original
    // Request-URI, everything else (our Via, tags, Call-ID, CSeq) as received. That request has looped.
    const lines = forwarded.split('\r\n');
    lines[0] = `INVITE sip:${looper.user}@127.0.0.1:${pbx.sipPort} SIP/2.0`;
    lines.splice(1, 0, `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${randomId()};rport`);
    phone.send(lines.join('\r\n'), pbx.sipPort);
    const answer = await phone.response(inv.callId, 3000);
    phone.close();
    assert.equal(answer?.status, 482, `expected 482 Loop Detected, got ${answer?.status} ${answer?.reason}`);
  });

  it('reaches a phone behind NAT at the address its REGISTER came from, not the contact it claims', async () => {
    const natted = { user: '4103', password: 'natted-secret' };
    assert.equal(
      (await pbx.api('POST', '/api/users', { extension: natted.user, name: 'NAT', secret: natted.password }))
        .status,
      201,
    );
    const phone = await UdpSipClient.open();
    // The contact names a port nobody listens on (as a private address behind NAT would be unreachable).
    const r = await registerWithAuth(phone, pbx.sipPort, {
      ...natted,
      contact: `<sip:${natted.user}@127.0.0.1:9>`,
      expires: 300,
    });
    assert.equal(r.status, 200);
    const inv = await authenticatedInvite(c, pbx.sipPort, natted.user);
    const got = await phone.receive((m) => m.startsWith('INVITE ') && m.includes(inv.callId), 3000);
    phone.close();
    assert.ok(got, 'the INVITE arrived at the source address of the registration');
    assert.match(
      got,
      new RegExp(`^INVITE sip:${natted.user}@127.0.0.1:9 SIP/2.0`),
      'the Request-URI is still the registered contact',
    );
  });

  it("delivers the callee's BYE to an unregistered caller behind NAT through the Record-Route flow token", async () => {
    const callee = { user: '4104', password: 'callee-secret-4' };
    assert.equal(
      (
        await pbx.api('POST', '/api/users', {
          extension: callee.user,
          name: 'Callee',
          secret: callee.password,
        })
      ).status,
      201,
    );
    const phone = await UdpSipClient.open();
    assert.equal((await registerWithAuth(phone, pbx.sipPort, { ...callee, expires: 300 })).status, 200);
    const caller = await UdpSipClient.open();
    // The caller's Contact is unreachable (a private address behind NAT would be): only its source works.
    const first = await authenticatedInvite(caller, pbx.sipPort, callee.user, (text) =>
      text.replace(/Contact: <[^>]*>/, `Contact: <sip:${CALLER.user}@127.0.0.1:9>`),
    );
    // The phone answers 200 with the Record-Route it received, as a UAS does (RFC 3261 §12.1.1).
    const inv = await phone.receive((m) => m.startsWith('INVITE ') && m.includes(first.callId), 3000);
    assert.ok(inv);
    const hdr = (name: string): string[] =>
      inv.split('\r\n').filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
    const rr = hdr('Record-Route');
    assert.equal(rr.length, 1);
    const ok = [
      'SIP/2.0 200 OK',
      ...hdr('Via'),
      ...rr,
      ...hdr('From'),
      `${hdr('To')[0]};tag=callee1`,
      ...hdr('Call-ID'),
      ...hdr('CSeq'),
      `Contact: <sip:${callee.user}@127.0.0.1:${phone.port}>`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    phone.send(ok, pbx.sipPort);
    const answered = await caller.response(first.callId, 3000);
    assert.equal(answered?.status, 200);
    // The callee hangs up: BYE to the caller's (unreachable) contact, routed through the PBX.
    const route = rr[0]!.replace(/^Record-Route:/i, 'Route:');
    const bye = [
      `BYE sip:${CALLER.user}@127.0.0.1:9 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${randomId()};rport`,
      route,
      'Max-Forwards: 70',
      `From: ${hdr('To')[0]!.slice(4).trim()};tag=callee1`,
      `To: ${hdr('From')[0]!.slice(6).trim()}`,
      `Call-ID: ${first.callId}`,
      'CSeq: 1 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    phone.send(bye, pbx.sipPort);
    const got = await caller.receive((m) => m.startsWith('BYE ') && m.includes(first.callId), 3000);
    caller.close();
    phone.close();
    assert.ok(got, 'the BYE reached the caller at its source address');
  });

  it('answers an unknown method with 501 and Allow, and PUBLISH with 405 and Allow', async () => {
    for (const [method, status] of [
      ['FROBNICATE', 501],
      ['PUBLISH', 405],
    ] as const) {
      const callId = randomId();
      c.send(
        [
          `${method} sip:${CALLEE.user}@127.0.0.1:${pbx.sipPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bK${callId}`,
          'Max-Forwards: 70',
          `From: <sip:${CALLER.user}@127.0.0.1>;tag=x`,
          `To: <sip:${CALLEE.user}@127.0.0.1>`,
          `Call-ID: ${callId}`,
          `CSeq: 1 ${method}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        pbx.sipPort,
      );
      const r = await c.response(callId);
      assert.equal(r?.status, status);
      assert.match(r!.header('allow') ?? '', /INVITE/);
    }
  });

  it('answers a message larger than 64 KiB on TCP with 413 and closes the connection', async () => {
    const sock = net.connect(pbx.sipPort, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise((r) => sock.once('close', r));
    const callId = randomId();
    const body = 'x'.repeat(70_000);
    sock.write(
      [
        `MESSAGE sip:${CALLEE.user}@127.0.0.1 SIP/2.0`,
        `Via: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK${callId}`,
        'Max-Forwards: 70',
        `From: <sip:${CALLER.user}@127.0.0.1>;tag=x`,
        `To: <sip:${CALLEE.user}@127.0.0.1>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 MESSAGE',
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n'),
    );
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
    sock.destroy();
    const res = parseRawResponse(got);
    assert.equal(res?.status, 413, got.slice(0, 300));
  });

  it('answers an RFC 5626 CRLFCRLF keep-alive on TCP with a CRLF pong', async () => {
    const sock = net.connect(pbx.sipPort, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const pong = new Promise<string>((r) => sock.once('data', (d) => r(d.toString('latin1'))));
    sock.write('\r\n\r\n');
    const got = await Promise.race([pong, new Promise<string>((r) => setTimeout(() => r('timeout'), 3000))]);
    sock.destroy();
    assert.equal(got, '\r\n');
  });
});

describe('shutdown', () => {
  it('answers a call still ringing with 503 when the service is stopped, and exits cleanly', async () => {
    const pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    for (const u of [CALLER, CALLEE])
      assert.equal(
        (await pbx.api('POST', '/api/users', { extension: u.user, name: u.user, secret: u.password })).status,
        201,
      );
    const caller = await UdpSipClient.open();
    const phone = await UdpSipClient.open(); // registers, then never answers the INVITE: it "rings" forever
    const reg = await registerWithAuth(phone, pbx.sipPort, { ...CALLEE, expires: 300 });
    assert.equal(reg.status, 200);
    const inv = await authenticatedInvite(caller, pbx.sipPort, CALLEE.user);
    const reachedPhone = await phone.receive((m) => m.startsWith('INVITE '), 3000);
    assert.ok(reachedPhone, 'the INVITE reached the phone');
    const code = await pbx.stop();
    const final = await caller.response(inv.callId, 3000);
    caller.close();
    phone.close();
    assert.equal(final?.status, 503);
    assert.equal(code, 0);
  });
});
