import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDatagram } from '../../../engine/sip/message/parser.js';
import type { SipMessage } from '../../../engine/sip/message/sip-message.js';
import { CallTraceStore } from '../../../engine/sip/trace/call-trace.js';
import type { Flow } from '../../../engine/sip/transport/flow.js';

const flow: Flow = {
  transport: 'UDP',
  remoteAddress: '192.0.2.10',
  remotePort: 5062,
  localAddress: '192.0.2.1',
  localPort: 5060,
};

function msg(firstLine: string, callId: string, cseq: string): { m: SipMessage; raw: Buffer } {
  const raw = Buffer.from(
    `${firstLine}\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK1\r\nFrom: <sip:201@pbx>;tag=a\r\n` +
      `To: <sip:202@pbx>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
  const r = parseDatagram(raw);
  assert.ok(r.ok, 'test message parses');
  return { m: r.message, raw };
}

function feed(
  store: CallTraceStore,
  dir: 'in' | 'out',
  firstLine: string,
  callId: string,
  cseq: string,
): void {
  const { m, raw } = msg(firstLine, callId, cseq);
  store.message(dir, m, raw, flow);
}

describe('CallTraceStore (the console ladder diagram’s source)', () => {
  it('starts a trace at an INVITE and follows every message with its Call-ID, in order', () => {
    const s = new CallTraceStore();
    feed(s, 'in', 'ACK sip:202@pbx SIP/2.0', 'c1', '1 ACK'); // no INVITE seen yet: not a call we know
    assert.equal(s.get('c1'), undefined);
    feed(s, 'in', 'INVITE sip:202@pbx SIP/2.0', 'c1', '1 INVITE');
    feed(s, 'out', 'SIP/2.0 100 Trying', 'c1', '1 INVITE');
    feed(s, 'in', 'BYE sip:202@pbx SIP/2.0', 'c1', '2 BYE');
    feed(s, 'out', 'SIP/2.0 200 OK', 'c1', '2 BYE');
    const t = s.get('c1')!;
    assert.deepEqual(
      t.map((m) => [m.direction, m.summary, m.peer, m.transport]),
      [
        ['in', 'INVITE sip:202@pbx', '192.0.2.10:5062', 'UDP'],
        ['out', '100 Trying', '192.0.2.10:5062', 'UDP'],
        ['in', 'BYE sip:202@pbx', '192.0.2.10:5062', 'UDP'],
        ['out', '200 OK', '192.0.2.10:5062', 'UDP'],
      ],
    );
    assert.match(t[0]!.text, /^INVITE sip:202@pbx SIP\/2\.0\r\nVia:/);
  });

  it('ignores registrations and keep-alives, even with a call’s Call-ID', () => {
    const s = new CallTraceStore();
    feed(s, 'in', 'REGISTER sip:pbx SIP/2.0', 'r1', '1 REGISTER');
    feed(s, 'out', 'SIP/2.0 401 Unauthorized', 'r1', '1 REGISTER');
    feed(s, 'in', 'OPTIONS sip:pbx SIP/2.0', 'o1', '1 OPTIONS');
    assert.equal(s.size, 0);
    feed(s, 'in', 'INVITE sip:202@pbx SIP/2.0', 'c1', '1 INVITE');
    feed(s, 'out', 'SIP/2.0 200 OK', 'c1', '7 OPTIONS');
    assert.equal(s.get('c1')!.length, 1);
  });

  it('keeps the latest N calls and the first M messages of each', () => {
    const s = new CallTraceStore({ calls: 3, messagesPerCall: 2 });
    for (let i = 0; i < 5; i++) feed(s, 'in', 'INVITE sip:202@pbx SIP/2.0', `c${i}`, '1 INVITE');
    assert.equal(s.size, 3);
    assert.equal(s.get('c0'), undefined);
    assert.equal(s.get('c1'), undefined);
    for (let i = 0; i < 5; i++) feed(s, 'out', 'SIP/2.0 180 Ringing', 'c4', '1 INVITE');
    assert.equal(s.get('c4')!.length, 2);
    const off = new CallTraceStore({ calls: 0 });
    feed(off, 'in', 'INVITE sip:202@pbx SIP/2.0', 'c1', '1 INVITE');
    assert.equal(off.size, 0);
    assert.equal(off.enabled, false);
  });
});
