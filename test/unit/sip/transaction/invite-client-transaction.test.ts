/** RFC 3261 §17.1.1 INVITE client transaction, with the Accepted state of RFC 6026 §7.2. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCSeq } from '../../../../engine/sip/message/cseq.js';
import { tagOf } from '../../../../engine/sip/message/name-addr.js';
import type { SipRequest } from '../../../../engine/sip/message/sip-message.js';
import {
  InviteClientTransaction,
  T1,
  TIMEOUT_64T1,
  TIMER_D,
  TransactionState,
} from '../../../../engine/sip/transaction/index.js';
import type { TransportProtocol } from '../../../../engine/sip/transport/flow.js';
import { flush, useFakeClock } from '../../support/fake-clock.js';
import { FakeOwner, FakeTransport, FakeTu, flow, request, response } from '../../support/sip-fixtures.js';

const clock = useFakeClock();

function start(transport: TransportProtocol = 'UDP', invite: SipRequest = request('INVITE')) {
  const wire = new FakeTransport();
  const owner = new FakeOwner();
  const tu = new FakeTu();
  const tx = new InviteClientTransaction('key', invite, flow(transport), wire, owner, tu);
  tx.start();
  return { tx, wire, owner, tu, invite };
}

describe('InviteClientTransaction (RFC 3261 §17.1.1)', () => {
  describe('Calling', () => {
    it('it MUST pass the INVITE to the transport and enter Calling (§17.1.1.2)', () => {
      const { tx, wire } = start();
      assert.equal(tx.state, TransactionState.Calling);
      assert.deepEqual(wire.requestTimes('INVITE'), [0]);
    });

    it('it MUST retransmit on Timer A, doubling from T1 with no cap, over an unreliable transport (§17.1.1.2)', () => {
      const { wire } = start('UDP');
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.requestTimes('INVITE'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    });

    it('it MUST NOT set Timer A over a reliable transport (§17.1.1.2)', () => {
      const { wire } = start('TCP');
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.requestTimes('INVITE'), [0]);
    });

    it('it SHOULD inform the TU of a timeout when Timer B (64*T1) fires and MUST enter Terminated (§17.1.1.2)', () => {
      const { tx, tu, owner, wire } = start('UDP');
      clock.advance(TIMEOUT_64T1 - 1);
      assert.equal(tu.count('timeout'), 0);
      clock.advance(1);
      assert.deepEqual(tu.events, [{ kind: 'timeout', at: TIMEOUT_64T1 }]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      clock.advance(10 * TIMEOUT_64T1);
      assert.equal(wire.requests('INVITE').length, 7, 'no retransmission after Terminated');
    });

    it('it MUST set Timer B over a reliable transport too (§17.1.1.2)', () => {
      const { tx, tu } = start('TCP');
      clock.advance(TIMEOUT_64T1);
      assert.equal(tu.count('timeout'), 1);
      assert.equal(tx.state, TransactionState.Terminated);
    });

    it('it SHOULD inform the TU of a transport failure and enter Terminated (§17.1.4)', async () => {
      const wire = new FakeTransport();
      wire.result = false;
      const owner = new FakeOwner();
      const tu = new FakeTu();
      const tx = new InviteClientTransaction('key', request('INVITE'), flow(), wire, owner, tu);
      tx.start();
      await flush();
      assert.deepEqual(tu.events, [{ kind: 'transport-error', at: 0 }]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      clock.advance(2 * TIMEOUT_64T1);
      assert.equal(tu.count('timeout'), 0, 'Timer B is cancelled with the transaction');
      assert.equal(wire.requests('INVITE').length, 1, 'Timer A is cancelled with the transaction');
    });

    it('a transport failure on a Timer A retransmission is also reported to the TU (§17.1.4)', async () => {
      const { tx, wire, tu } = start('UDP');
      wire.result = false;
      clock.advance(T1);
      await flush();
      assert.equal(tu.count('transport-error'), 1);
      assert.equal(tx.state, TransactionState.Terminated);
    });
  });

  describe('Proceeding', () => {
    it('it MUST enter Proceeding on a 1xx, pass it to the TU, and stop retransmitting (§17.1.1.2)', () => {
      const { tx, wire, tu, invite } = start('UDP');
      clock.advance(100);
      tx.receiveResponse(response(invite, 180));
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual(tu.statuses(), [180]);
      clock.advance(2 * TIMEOUT_64T1);
      assert.deepEqual(wire.requestTimes('INVITE'), [0], 'Timer A stopped');
      assert.equal(tu.count('timeout'), 0, 'Timer B only runs in Calling');
      assert.equal(tx.state, TransactionState.Proceeding);
    });

    it('it MUST pass further provisional responses to the TU (§17.1.1.2)', () => {
      const { tx, tu, invite } = start();
      tx.receiveResponse(response(invite, 100));
      tx.receiveResponse(response(invite, 180));
      tx.receiveResponse(response(invite, 183));
      assert.deepEqual(tu.statuses(), [100, 180, 183]);
      assert.equal(tx.state, TransactionState.Proceeding);
    });
  });

  describe('Completed (300-699)', () => {
    it('it MUST enter Completed on 300-699 in Calling, pass the response to the TU and send an ACK (§17.1.1.2)', () => {
      const { tx, wire, tu, invite } = start();
      tx.receiveResponse(response(invite, 486));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(tu.statuses(), [486]);
      assert.equal(wire.requests('ACK').length, 1);
    });

    it('it MUST enter Completed on 300-699 in Proceeding as well (§17.1.1.2)', () => {
      const { tx, wire, tu, invite } = start();
      tx.receiveResponse(response(invite, 180));
      tx.receiveResponse(response(invite, 603));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(tu.statuses(), [180, 603]);
      assert.equal(wire.requests('ACK').length, 1);
    });

    it('the ACK MUST copy Request-URI, Call-ID, From and the top Via of the INVITE, take To from the response, use the CSeq number with method ACK, and carry the Route set (§17.1.1.3)', () => {
      const invite = request('INVITE', {
        branch: 'z9hG4bK-ours',
        sentBy: '192.0.2.1:5060',
        lowerVias: ['SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-phone'],
        routes: ['<sip:edge1.example;lr>', '<sip:edge2.example;lr>'],
        uri: 'sip:202@192.0.2.20:5062',
        cseq: 314,
        callId: 'ack-call@192.0.2.10',
      });
      const { tx, wire } = start('UDP', invite);
      const busy = response(invite, 486, 'callee-tag');
      tx.receiveResponse(busy);
      const ack = wire.requests('ACK')[0]!.message;
      assert.equal(ack.uri, 'sip:202@192.0.2.20:5062');
      assert.deepEqual(ack.headers.getAll('Via'), ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-ours']);
      assert.equal(ack.headers.get('Call-ID'), 'ack-call@192.0.2.10');
      assert.equal(ack.headers.get('From'), invite.headers.get('From'));
      assert.equal(ack.headers.get('To'), busy.headers.get('To'));
      assert.equal(tagOf(ack.headers.get('To') ?? ''), 'callee-tag');
      assert.deepEqual(parseCSeq(ack.headers.get('CSeq') ?? ''), { seq: 314, method: 'ACK' });
      assert.deepEqual(ack.headers.getAll('Route'), ['<sip:edge1.example;lr>', '<sip:edge2.example;lr>']);
      assert.ok(ack.headers.has('Max-Forwards'));
    });

    it('the ACK MUST go to the same flow as the INVITE (§17.1.1.3)', () => {
      const { tx, wire, invite } = start();
      tx.receiveResponse(response(invite, 404));
      assert.deepEqual(wire.requests('ACK')[0]!.flow, wire.requests('INVITE')[0]!.flow);
    });

    it('a retransmitted final response in Completed MUST be answered with the ACK again and MUST NOT reach the TU (§17.1.1.2)', () => {
      const { tx, wire, tu, invite } = start();
      const busy = response(invite, 486);
      tx.receiveResponse(busy);
      clock.advance(1000);
      tx.receiveResponse(busy);
      tx.receiveResponse(busy);
      assert.equal(wire.requests('ACK').length, 3);
      assert.deepEqual(tu.statuses(), [486]);
    });

    it('it MUST stop retransmitting the INVITE once Completed (§17.1.1.2)', () => {
      const { tx, wire, invite } = start();
      clock.advance(600);
      tx.receiveResponse(response(invite, 486));
      clock.advance(TIMER_D - 1);
      assert.deepEqual(wire.requestTimes('INVITE'), [0, 500]);
    });

    it('it MUST enter Terminated when Timer D (at least 32 s) fires over an unreliable transport (§17.1.1.2)', () => {
      const { tx, owner, tu, invite } = start('UDP');
      tx.receiveResponse(response(invite, 486));
      clock.advance(TIMER_D - 1);
      assert.equal(tx.state, TransactionState.Completed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      assert.equal(tu.count('timeout'), 0, 'Timer B does not fire after a final response');
    });

    it('Timer D MUST be zero over a reliable transport: the ACK is sent and the transaction terminates at once (§17.1.1.2)', () => {
      const { tx, wire, owner, tu, invite } = start('TCP');
      tx.receiveResponse(response(invite, 486));
      assert.equal(wire.requests('ACK').length, 1);
      assert.deepEqual(tu.statuses(), [486]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
    });
  });

  describe('Accepted (RFC 6026 §7.2)', () => {
    it('it MUST enter Accepted on a 2xx, pass it to the TU, and not generate an ACK itself (RFC 6026 §7.2, RFC 3261 §17.1.1.3)', () => {
      const { tx, wire, tu, invite } = start();
      tx.receiveResponse(response(invite, 180));
      tx.receiveResponse(response(invite, 200));
      assert.equal(tx.state, TransactionState.Accepted);
      assert.deepEqual(tu.statuses(), [180, 200]);
      assert.equal(wire.requests('ACK').length, 0);
    });

    it('it MUST pass every further 2xx (retransmission or another fork) to the TU while Accepted (RFC 6026 §7.2)', () => {
      const { tx, tu, invite } = start();
      tx.receiveResponse(response(invite, 200, 'fork-a'));
      tx.receiveResponse(response(invite, 200, 'fork-a'));
      tx.receiveResponse(response(invite, 200, 'fork-b'));
      assert.deepEqual(tu.statuses(), [200, 200, 200]);
    });

    it('it MUST ignore provisional and non-2xx final responses while Accepted (RFC 6026 §7.2)', () => {
      const { tx, wire, tu, invite } = start();
      tx.receiveResponse(response(invite, 200));
      tx.receiveResponse(response(invite, 180));
      tx.receiveResponse(response(invite, 486));
      assert.deepEqual(tu.statuses(), [200]);
      assert.equal(wire.requests('ACK').length, 0);
    });

    it('it MUST stop retransmitting and MUST NOT time out once Accepted (RFC 6026 §7.2)', () => {
      const { tx, wire, tu, invite } = start('UDP');
      clock.advance(T1);
      tx.receiveResponse(response(invite, 200));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.requestTimes('INVITE'), [0, 500]);
      assert.equal(tu.count('timeout'), 0);
    });

    it('it MUST enter Terminated when Timer M (64*T1) fires (RFC 6026 §7.2)', () => {
      const { tx, owner, invite } = start('TCP');
      tx.receiveResponse(response(invite, 200));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.equal(tx.state, TransactionState.Accepted, 'Timer M runs over reliable transports too');
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
    });
  });

  describe('Terminated', () => {
    it('it MUST NOT pass responses to the TU once Terminated (§17.1.1.2)', () => {
      const { tx, tu, invite } = start('TCP');
      tx.receiveResponse(response(invite, 486));
      tx.receiveResponse(response(invite, 200));
      tx.receiveResponse(response(invite, 486));
      assert.deepEqual(tu.statuses(), [486]);
    });
  });
});
