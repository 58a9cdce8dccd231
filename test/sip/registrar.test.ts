// The registrar and digest authentication over a real UDP socket: RFC 3261 §10.3 behaviour, RFC 7616
// SHA-256 and MD5, no extension enumeration, replay protection, brute-force blocking, persistence.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import {
  challengeParams,
  digestResponse,
  randomId,
  registerRequest,
  registerWithAuth,
  UdpSipClient,
  type RawResponse,
} from '../support/raw-sip-client.js';

const ALICE = { user: '4001', password: 'alice-secret-1' };
const BOB = { user: '4002', password: 'bob-secret-22' };

async function createUsers(pbx: RunningEngine): Promise<void> {
  for (const u of [ALICE, BOB]) {
    const r = await pbx.api('POST', '/api/users', {
      extension: u.user,
      name: `User ${u.user}`,
      secret: u.password,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
}

/** The challenge with the nonce values blanked: what a scanner could compare. */
function challengeShape(r: RawResponse): string {
  return JSON.stringify({
    status: r.status,
    reason: r.reason,
    names: r.headers.map(([k]) => k).filter((k) => !['via', 'from', 'to', 'call-id', 'cseq'].includes(k)),
    auth: r.headerAll('www-authenticate').map((v) => v.replace(/nonce="[^"]*"/, 'nonce=""')),
  });
}

describe('registrar', () => {
  let pbx: RunningEngine;
  let c: UdpSipClient;

  before(async () => {
    pbx = await startEngine({ args: ['--qualify-interval', '1', '--digest-algorithms', 'MD5,SHA-256'] });
    await createUsers(pbx);
    c = await UdpSipClient.open();
    // Answer keep-alive OPTIONS like a phone does.
    c.socket.on('message', (m) => {
      const text = m.toString('latin1');
      if (!text.startsWith('OPTIONS ')) return;
      const keep = text.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
      c.send(
        [
          'SIP/2.0 200 OK',
          ...keep.map((l) => (/^To:/i.test(l) ? `${l};tag=ph` : l)),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        pbx.sipPort,
      );
    });
  });

  after(async () => {
    c.close();
    await pbx.stop();
  });

  it('registers with MD5 digest and answers 200 listing the contact with its expiry', async () => {
    const r = await registerWithAuth(c, pbx.sipPort, { ...ALICE, expires: 600 });
    assert.equal(r.status, 200, r.raw);
    const contacts = r.headerAll('contact');
    assert.equal(contacts.length, 1);
    assert.match(contacts[0]!, new RegExp(`<sip:4001@127.0.0.1:${c.port}>;expires=(600|599)`));
  });

  it('registers with SHA-256 digest (RFC 7616 / RFC 8760)', async () => {
    const r = await registerWithAuth(c, pbx.sipPort, { ...BOB, algorithm: 'SHA-256', expires: 600 });
    assert.equal(r.status, 200, r.raw);
  });

  it('offers both MD5 and SHA-256 with qop=auth when configured to, in the configured order', async () => {
    const callId = randomId();
    c.send(registerRequest(c, pbx.sipPort, { user: ALICE.user, callId }), pbx.sipPort);
    const r = await c.response(callId);
    assert.equal(r?.status, 401);
    const algs = r!.headerAll('www-authenticate').map((v) => challengeParams(v).algorithm);
    assert.deepEqual(algs, ['MD5', 'SHA-256']);
    assert.ok(r!.headerAll('www-authenticate').every((v) => /qop="auth"/.test(v)));
  });

  it('gives an unknown extension exactly the challenge and the failure a known one gets', async () => {
    const ask = async (user: string, password: string): Promise<[RawResponse, RawResponse]> => {
      const callId = randomId();
      c.send(registerRequest(c, pbx.sipPort, { user, callId }), pbx.sipPort);
      const first = (await c.response(callId))!;
      const p = challengeParams(first.headerAll('www-authenticate')[0]!);
      const uri = `sip:127.0.0.1:${pbx.sipPort}`;
      const resp = digestResponse(
        'MD5',
        user,
        p.realm!,
        password,
        'REGISTER',
        uri,
        p.nonce!,
        '00000001',
        'abc',
      );
      const auth = `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${resp}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"`;
      c.send(registerRequest(c, pbx.sipPort, { user, callId, cseq: 2, auth }), pbx.sipPort);
      return [first, (await c.response(callId))!];
    };
    const [knownChallenge, knownFailure] = await ask(ALICE.user, 'not-the-password');
    const [unknownChallenge, unknownFailure] = await ask('4999', 'not-the-password');
    assert.equal(challengeShape(unknownChallenge), challengeShape(knownChallenge));
    assert.equal(challengeShape(unknownFailure), challengeShape(knownFailure));
    assert.equal(knownFailure.status, 401);
  });

  it('refuses a replayed nonce-count', async () => {
    const callId = randomId();
    c.send(registerRequest(c, pbx.sipPort, { user: ALICE.user, callId }), pbx.sipPort);
    const ch = (await c.response(callId))!;
    const p = challengeParams(ch.headerAll('www-authenticate')[0]!);
    const uri = `sip:127.0.0.1:${pbx.sipPort}`;
    const resp = digestResponse(
      'MD5',
      ALICE.user,
      p.realm!,
      ALICE.password,
      'REGISTER',
      uri,
      p.nonce!,
      '00000001',
      'cn1',
    );
    const auth = `Digest username="${ALICE.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${resp}", algorithm=MD5, qop=auth, nc=00000001, cnonce="cn1"`;
    c.send(
      registerRequest(c, pbx.sipPort, { user: ALICE.user, callId, cseq: 2, auth, expires: 600 }),
      pbx.sipPort,
    );
    assert.equal((await c.response(callId))?.status, 200);
    c.send(
      registerRequest(c, pbx.sipPort, { user: ALICE.user, callId, cseq: 3, auth, expires: 600 }),
      pbx.sipPort,
    );
    assert.equal(
      (await c.response(callId))?.status,
      401,
      'the same nc with the same nonce must not be accepted twice',
    );
  });

  it('keeps several contacts per extension and removes one with expires=0', async () => {
    const a = `<sip:${BOB.user}@127.0.0.1:${c.port};line=a>`;
    const b = `<sip:${BOB.user}@127.0.0.1:${c.port};line=b>`;
    let r = await registerWithAuth(c, pbx.sipPort, { ...BOB, contacts: [a, b], expires: 300 });
    assert.equal(r.status, 200, r.raw);
    assert.ok(r.headerAll('contact').length >= 2);
    r = await registerWithAuth(c, pbx.sipPort, { ...BOB, contacts: [`${b};expires=0`], expires: 300 });
    assert.equal(r.status, 200);
    const left = r.headerAll('contact').join(' ');
    assert.ok(left.includes('line=a') && !left.includes('line=b'), left);
  });

  it('answers 423 with Min-Expires for a too short registration', async () => {
    const r = await registerWithAuth(c, pbx.sipPort, { ...BOB, expires: 10 });
    assert.equal(r.status, 423);
    assert.equal(r.header('min-expires'), '60');
  });

  it('refuses an out-of-order REGISTER (same Call-ID, lower CSeq) with 500', async () => {
    const callId = randomId();
    let r = await registerWithAuth(c, pbx.sipPort, { ...ALICE, callId, cseq: 10, expires: 600 });
    assert.equal(r.status, 200);
    r = await registerWithAuth(c, pbx.sipPort, { ...ALICE, callId, cseq: 3, expires: 600 });
    assert.equal(r.status, 500);
  });

  it('unregisters everything with Contact: * and Expires: 0', async () => {
    const r = await registerWithAuth(c, pbx.sipPort, { ...BOB, contact: '*', expires: 0 });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.headerAll('contact').length, 0);
    const regs = await pbx.api<Array<{ extension: string }>>('GET', '/api/registrations');
    assert.ok(!regs.body.some((x) => x.extension === BOB.user));
  });

  it('rejects Contact: * together with a non-zero Expires (400)', async () => {
    const r = await registerWithAuth(c, pbx.sipPort, { ...BOB, contact: '*', expires: 60 });
    assert.equal(r.status, 400);
  });

  it('forbids registering another extension with valid credentials (403)', async () => {
    const callId = randomId();
    c.send(registerRequest(c, pbx.sipPort, { user: BOB.user, callId }), pbx.sipPort);
    const ch = (await c.response(callId))!;
    const p = challengeParams(ch.headerAll('www-authenticate')[0]!);
    const uri = `sip:127.0.0.1:${pbx.sipPort}`;
    const resp = digestResponse(
      'MD5',
      ALICE.user,
      p.realm!,
      ALICE.password,
      'REGISTER',
      uri,
      p.nonce!,
      '00000001',
      'x',
    );
    const auth = `Digest username="${ALICE.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${resp}", algorithm=MD5, qop=auth, nc=00000001, cnonce="x"`;
    c.send(registerRequest(c, pbx.sipPort, { user: BOB.user, callId, cseq: 2, auth }), pbx.sipPort);
    assert.equal((await c.response(callId))?.status, 403);
  });

  it('marks a contact reachable once it answers keep-alive OPTIONS', async () => {
    const r = await registerWithAuth(c, pbx.sipPort, { ...ALICE, expires: 600 });
    assert.equal(r.status, 200);
    let reachable: boolean | null = null;
    for (let i = 0; i < 40 && reachable !== true; i++) {
      await new Promise((res) => setTimeout(res, 250));
      const regs = await pbx.api<Array<{ extension: string; reachable: boolean | null }>>(
        'GET',
        '/api/registrations',
      );
      reachable = regs.body.find((x) => x.extension === ALICE.user)?.reachable ?? null;
    }
    assert.equal(reachable, true);
  });

  it('marks a contact that stops answering as unreachable', async () => {
    const silent = await UdpSipClient.open();
    const r = await registerWithAuth(silent, pbx.sipPort, { ...BOB, expires: 600 });
    assert.equal(r.status, 200);
    silent.socket.removeAllListeners('message'); // never answer the OPTIONS
    let reachable: boolean | null = null;
    for (let i = 0; i < 60 && reachable !== false; i++) {
      await new Promise((res) => setTimeout(res, 250));
      const regs = await pbx.api<Array<{ extension: string; contact: string; reachable: boolean | null }>>(
        'GET',
        '/api/registrations',
      );
      reachable =
        regs.body.find((x) => x.extension === BOB.user && x.contact.includes(String(silent.port)))
          ?.reachable ?? null;
    }
    silent.close();
    assert.equal(reachable, false);
  });
});

describe('expiry', () => {
  it('removes a binding when its registration runs out', async () => {
    const pbx = await startEngine({ args: ['--min-expires', '1', '--qualify-interval', '0'] });
    try {
      await createUsers(pbx);
      const c = await UdpSipClient.open();
      const r = await registerWithAuth(c, pbx.sipPort, { ...ALICE, expires: 2 });
      assert.equal(r.status, 200);
      const listed = async (): Promise<boolean> =>
        (await pbx.api<Array<{ extension: string }>>('GET', '/api/registrations')).body.some(
          (b) => b.extension === ALICE.user,
        );
      assert.equal(await listed(), true);
      await new Promise((res) => setTimeout(res, 3500));
      assert.equal(await listed(), false);
      c.close();
    } finally {
      await pbx.stop();
    }
  });
});

describe('registrations survive a restart', () => {
  it('lists the same binding after the service is stopped and started on the same data folder', async () => {
    const first = await startEngine();
    await createUsers(first);
    const c = await UdpSipClient.open();
    // By default only MD5 is offered: clients disagree on which of several challenges they answer.
    const probe = randomId();
    c.send(registerRequest(c, first.sipPort, { user: ALICE.user, callId: probe }), first.sipPort);
    const ch = await c.response(probe);
    assert.deepEqual(
      ch?.headerAll('www-authenticate').map((v) => challengeParams(v).algorithm),
      ['MD5'],
    );
    const r = await registerWithAuth(c, first.sipPort, { ...ALICE, expires: 900 });
    assert.equal(r.status, 200);
    assert.equal(await first.stop(), 0);
    const second = await startEngine({
      dataDir: first.dataDir,
      sipPort: first.sipPort,
      httpPort: first.httpPort,
    });
    try {
      const regs = await second.api<Array<{ extension: string; contact: string; expires: number }>>(
        'GET',
        '/api/registrations',
      );
      const b = regs.body.find((x) => x.extension === ALICE.user);
      assert.ok(b, 'binding restored');
      assert.equal(b.contact, `sip:${ALICE.user}@127.0.0.1:${c.port}`);
      assert.ok(b.expires > 800 && b.expires <= 900);
    } finally {
      c.close();
      await second.stop();
    }
  });
});

describe('password guessing', () => {
  it('slows, then blocks a source after repeated failures; the block shows in the API and can be lifted', async () => {
    const pbx = await startEngine({
      args: ['--auth-fail-slow', '2', '--auth-fail-block', '4', '--auth-block-seconds', '300'],
    });
    try {
      await createUsers(pbx);
      const c = await UdpSipClient.open();
      const statuses: Array<number | undefined> = [];
      for (let i = 0; i < 5; i++) {
        const r = await registerWithAuth(c, pbx.sipPort, { user: ALICE.user, password: 'guess-' + i }).catch(
          () => undefined,
        );
        statuses.push(r?.status);
      }
      assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
      assert.equal(statuses[4], undefined, 'a blocked source gets no answer at all');
      const blocked = await pbx.api<Array<{ address: string; blockedUntil: string | null }>>(
        'GET',
        '/api/security/blocked',
      );
      const entry = blocked.body.find((b) => b.address === '127.0.0.1');
      assert.ok(entry?.blockedUntil, JSON.stringify(blocked.body));
      const del = await pbx.api('DELETE', '/api/security/blocked/127.0.0.1');
      assert.ok(del.status === 200 || del.status === 204, String(del.status));
      const ok = await registerWithAuth(c, pbx.sipPort, { ...ALICE, expires: 600 });
      assert.equal(ok.status, 200);
      c.close();
    } finally {
      await pbx.stop();
    }
  });
});
