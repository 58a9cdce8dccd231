// Overload protection over real UDP sockets (RFC 3261 §21.5.4): with more server transactions in progress
// than its configured limit, the engine answers new out-of-dialog requests 503 with Retry-After, keeps
// serving the transactions it has (a retransmitted INVITE gets its 100 again), and takes new requests again
// as soon as the calls in hand are answered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { voicemailOff } from '../support/voicemail.js';
import {
  challengeParams,
  digestResponse,
  parseRawResponse,
  randomId,
  registerRequest,
  registerWithAuth,
  UdpSipClient,
  type RawResponse,
} from '../support/raw-sip-client.js';

const LIMIT = 10;
const CALLER = { user: '4101', password: 'overload-caller-1' };
const CALLEE = { user: '4102', password: 'overload-callee-1' };

interface Call {
  callId: string;
  branch: string;
  fromTag: string;
  auth?: string;
}

function invite(c: UdpSipClient, pbxPort: number, call: Call): string {
  return [
    `INVITE sip:${CALLEE.user}@127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=${call.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${CALLER.user}@127.0.0.1>;tag=${call.fromTag}`,
    `To: <sip:${CALLEE.user}@127.0.0.1>`,
    `Call-ID: ${call.callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:${CALLER.user}@127.0.0.1:${c.port}>`,
    ...(call.auth ? [`Proxy-Authorization: ${call.auth}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** What a phone that is busy answers to a forwarded INVITE. */
function busy(request: string): string {
  const lines = request.split('\r\n');
  const keep = lines.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  return [
    'SIP/2.0 486 Busy Here',
    ...keep.map((l) => (/^To:/i.test(l) ? `${l};tag=${randomId()}` : l)),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function register(c: UdpSipClient, pbxPort: number): Promise<RawResponse | undefined> {
  const callId = randomId();
  c.send(registerRequest(c, pbxPort, { ...CALLER, callId, expires: 600 }), pbxPort);
  return c.response(callId);
}

describe('overload protection', () => {
  let pbx: RunningEngine;
  let caller: UdpSipClient;
  let callee: UdpSipClient;
  let probe: UdpSipClient;

  before(async () => {
    pbx = await startEngine({
      args: ['--qualify-interval', '0', '--media-relay', 'off', '--overload-max-transactions', String(LIMIT)],
      env: { PBX_OVERLOAD_RETRY_AFTER: '7' },
    });
    for (const u of [CALLER, CALLEE]) {
      const r = await pbx.api('POST', '/api/users', { extension: u.user, name: u.user, secret: u.password });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // These tests are about failures reaching the caller, not about voicemail taking over.
    await voicemailOff(pbx, CALLER.user, CALLEE.user);
    [caller, callee, probe] = await Promise.all([
      UdpSipClient.open(),
      UdpSipClient.open(),
      UdpSipClient.open(),
    ]);
    const reg = await registerWithAuth(callee, pbx.sipPort, { ...CALLEE, expires: 600 });
    assert.equal(reg.status, 200, reg.raw);
  });

  after(async () => {
    for (const c of [caller, callee, probe]) c?.close();
    await pbx.stop();
  });

  it('answers 401 while within the limit', async () => {
    assert.equal((await register(probe, pbx.sipPort))?.status, 401);
  });

  it('past the limit answers new requests 503 with Retry-After, and recovers when the calls are answered', async () => {
    // One challenge; its nonce then serves every call with a rising nonce-count.
    const first: Call = { callId: randomId(), branch: `z9hG4bK${randomId()}`, fromTag: randomId() };
    caller.send(invite(caller, pbx.sipPort, first), pbx.sipPort);
    const challenge = await caller.response(first.callId);
    assert.equal(challenge?.status, 407, challenge?.raw);
    const p = challengeParams(challenge!.header('proxy-authenticate')!);
    const uri = `sip:${CALLEE.user}@127.0.0.1:${pbx.sipPort}`;

    // 2x the limit of calls to a phone that does not answer yet: each INVITE stays in progress (Proceeding).
    const calls: Call[] = [];
    for (let i = 1; i <= 2 * LIMIT; i++) {
      const nc = i.toString(16).padStart(8, '0');
      const cnonce = randomId();
      const response = digestResponse(
        'MD5',
        CALLER.user,
        p.realm!,
        CALLER.password,
        'INVITE',
        uri,
        p.nonce!,
        nc,
        cnonce,
      );
      const auth =
        `Digest username="${CALLER.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", ` +
        `response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
      const call = { callId: randomId(), branch: `z9hG4bK${randomId()}`, fromTag: randomId(), auth };
      calls.push(call);
      caller.send(invite(caller, pbx.sipPort, call), pbx.sipPort);
    }
    const forwarded: string[] = [];
    for (let i = 0; i < calls.length; i++) {
      const m = await callee.receive((t) => t.startsWith('INVITE '), 3000);
      assert.ok(m, `INVITE ${i + 1} of ${calls.length} reaches the phone`);
      forwarded.push(m);
    }

    // The monitor looks every 50 ms; from then on a new REGISTER is refused.
    let refused: RawResponse | undefined;
    for (let i = 0; i < 20 && refused?.status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      refused = await register(probe, pbx.sipPort);
    }
    assert.equal(refused?.status, 503, refused?.raw);
    assert.equal(refused?.header('retry-after'), '7');
    assert.match(refused?.header('to') ?? '', /;tag=/, 'a final response carries a To tag');

    // A retransmitted INVITE belongs to its transaction: it gets its 100 again, not a 503.
    const again = calls[0]!;
    caller.send(invite(caller, pbx.sipPort, again), pbx.sipPort);
    const text = await caller.receive((t) => t.startsWith('SIP/2.0') && t.includes(again.callId), 3000);
    assert.equal(text ? parseRawResponse(text)?.status : undefined, 100);

    // The phone answers every call busy: the transactions are answered and the load is gone.
    for (const f of forwarded) callee.send(busy(f), pbx.sipPort);
    let answer: RawResponse | undefined;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      answer = await register(probe, pbx.sipPort);
      if (answer?.status === 401) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(answer?.status, 401, 'registrations are challenged again once the load is gone');
    const busyAnswers = await Promise.all(calls.map((c) => caller.response(c.callId, 3000)));
    assert.ok(
      busyAnswers.every((r) => r?.status === 486),
      'every call in hand was completed, none refused',
    );
    assert.match(pbx.logs(), /overloaded: answering new requests 503/);
    assert.match(pbx.logs(), /load back to normal/);
  });
});
