/** RFC 3261 §17.2.1 INVITE server transaction, with the Accepted state of RFC 6026 §7.1. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InviteServerTransaction,
  T4,
  TIMEOUT_64T1,
  TransactionState,
} from '../../../../engine/sip/transaction/index.js';
import type { TransportProtocol } from '../../../../engine/sip/transport/flow.js';
import { flush, useFakeClock } from '../../support/fake-clock.js';
import { FakeOwner, FakeTransport, flow, request, response } from '../../support/sip-fixtures.js';

const clock = useFakeClock();

function serve(transport: TransportProtocol = 'UDP') {
  const invite = request('INVITE');
  const wire = new FakeTransport();
  const owner = new FakeOwner();
  const tx = new InviteServerTransaction('key', invite, flow(transport), wire, owner);
  const events: string[] = [];
  tx.onAckTimeout = () => events.push(`ack-timeout@${clock.now()}`);
  tx.onTerminated = () => events.push(`terminated@${clock.now()}`);
  const ack = () => request('ACK', { toTag: 'uas-tag-1' });
  return { tx, wire, owner, invite, events, ack };
}

describe('InviteServerTransaction (RFC 3261 §17.2.1)', () => {
  describe('Proceeding', () => {
    it('it MUST start in Proceeding (§17.2.1)', () => {
      const { tx } = serve();
      assert.equal(tx.state, TransactionState.Proceeding);
    });

    it('it MUST pass provisional responses from the TU to the transport and stay in Proceeding (§17.2.1)', () => {
      const { tx, wire, invite } = serve();
      tx.respond(response(invite, 100));
      tx.respond(response(invite, 180));
      assert.deepEqual(wire.responseStatuses(), [100, 180]);
      assert.equal(tx.state, TransactionState.Proceeding);
    });

    it('a retransmitted INVITE in Proceeding MUST be answered with the most recent provisional response (§17.2.1)', () => {
      const { tx, wire, invite } = serve();
      tx.respond(response(invite, 100));
      tx.respond(response(invite, 180));
      tx.receiveRequest(invite);
      assert.deepEqual(wire.responseStatuses(), [100, 180, 180]);
    });

    it('a retransmitted INVITE before any response MUST NOT produce a response from the transaction', () => {
      const { tx, wire, invite } = serve();
      tx.receiveRequest(invite);
      assert.deepEqual(wire.responseStatuses(), []);
    });
  });

  describe('Accepted (RFC 6026 §7.1)', () => {
    it('it MUST enter Accepted when the TU sends a 2xx and pass the 2xx to the transport (RFC 6026 §7.1)', () => {
      const { tx, wire, invite } = serve();
      tx.respond(response(invite, 180));
      tx.respond(response(invite, 200));
      assert.equal(tx.state, TransactionState.Accepted);
      assert.deepEqual(wire.responseStatuses(), [180, 200]);
    });

    it('it MUST NOT retransmit the 2xx itself (RFC 6026 §7.1: the TU does)', () => {
      const { tx, wire, invite } = serve('UDP');
      tx.respond(response(invite, 200));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.responseStatuses(), [200]);
    });

    it('it MUST pass 2xx retransmissions from the TU to the transport while Accepted (RFC 6026 §7.1)', () => {
      const { tx, wire, invite } = serve();
      tx.respond(response(invite, 200));
      tx.respond(response(invite, 200));
      tx.respond(response(invite, 180));
      tx.respond(response(invite, 486));
      assert.deepEqual(wire.responseStatuses(), [200, 200]);
    });

    it('a retransmitted INVITE in Accepted MUST be absorbed (RFC 6026 §7.1)', () => {
      const { tx, wire, invite } = serve();
      tx.respond(response(invite, 200));
      tx.receiveRequest(invite);
      assert.deepEqual(wire.responseStatuses(), [200]);
    });

    it('it MUST enter Terminated when Timer L (64*T1) fires (RFC 6026 §7.1)', () => {
      const { tx, owner, invite, events } = serve('TCP');
      tx.respond(response(invite, 200));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.equal(tx.state, TransactionState.Accepted);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      assert.deepEqual(events, [`terminated@${TIMEOUT_64T1}`]);
    });
  });

  describe('Completed (300-699)', () => {
    it('it MUST enter Completed when the TU sends 300-699 and pass it to the transport (§17.2.1)', () => {
      const { tx, wire, invite } = serve();
      tx.respond(response(invite, 486));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(wire.responseStatuses(), [486]);
    });

    it('it MUST retransmit the final response on Timer G, doubling from T1 and capped at T2, over an unreliable transport (§17.2.1)', () => {
      const { tx, wire, invite } = serve('UDP');
      tx.respond(response(invite, 486));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(
        wire.responseTimes(),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
      );
      assert.ok(wire.responseStatuses().every((s) => s === 486));
    });

    it('it MUST NOT set Timer G over a reliable transport (§17.2.1)', () => {
      const { tx, wire, invite } = serve('TCP');
      tx.respond(response(invite, 486));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.responseTimes(), [0]);
    });

    it('a retransmitted INVITE in Completed MUST be answered with the final response (§17.2.1)', () => {
      const { tx, wire, invite } = serve('TCP');
      tx.respond(response(invite, 180));
      tx.respond(response(invite, 486));
      tx.receiveRequest(invite);
      assert.deepEqual(wire.responseStatuses(), [180, 486, 486]);
    });

    it('responses from the TU after the final one MUST NOT be sent (§17.2.1)', () => {
      const { tx, wire, invite } = serve('TCP');
      tx.respond(response(invite, 486));
      tx.respond(response(invite, 180));
      tx.respond(response(invite, 200));
      assert.deepEqual(wire.responseStatuses(), [486]);
    });

    it('when Timer H (64*T1) fires without an ACK it MUST enter Terminated and SHOULD tell the TU (§17.2.1)', () => {
      const { tx, owner, invite, events } = serve('UDP');
      tx.respond(response(invite, 486));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(events, []);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      assert.deepEqual(events, [`ack-timeout@${TIMEOUT_64T1}`, `terminated@${TIMEOUT_64T1}`]);
    });

    it('Timer H MUST be set over reliable transports too (§17.2.1)', () => {
      const { tx, invite, events } = serve('TCP');
      tx.respond(response(invite, 486));
      clock.advance(TIMEOUT_64T1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(events, [`ack-timeout@${TIMEOUT_64T1}`, `terminated@${TIMEOUT_64T1}`]);
    });

    it('it MUST stop Timer G when Timer H fires (§17.2.1)', () => {
      const { tx, wire, invite } = serve('UDP');
      tx.respond(response(invite, 486));
      clock.advance(TIMEOUT_64T1);
      const sent = wire.sent.length;
      clock.advance(TIMEOUT_64T1);
      assert.equal(wire.sent.length, sent);
    });
  });

  describe('Confirmed', () => {
    it('an ACK in Completed MUST move it to Confirmed and stop Timers G and H (§17.2.1)', () => {
      const { tx, wire, invite, events, ack } = serve('UDP');
      tx.respond(response(invite, 486));
      clock.advance(600);
      tx.receiveRequest(ack());
      assert.equal(tx.state, TransactionState.Confirmed);
      clock.advance(TIMEOUT_64T1);
      assert.deepEqual(wire.responseTimes(), [0, 500], 'no retransmission after the ACK');
      assert.ok(!events.some((e) => e.startsWith('ack-timeout')), 'Timer H cancelled');
    });

    it('further ACKs in Confirmed MUST be absorbed (§17.2.1)', () => {
      const { tx, wire, invite, ack } = serve('UDP');
      tx.respond(response(invite, 486));
      tx.receiveRequest(ack());
      tx.receiveRequest(ack());
      tx.receiveRequest(invite);
      assert.equal(tx.state, TransactionState.Confirmed);
      assert.deepEqual(wire.responseStatuses(), [486]);
    });

    it('it MUST enter Terminated when Timer I (T4) fires over an unreliable transport (§17.2.1)', () => {
      const { tx, owner, invite, ack } = serve('UDP');
      tx.respond(response(invite, 486));
      tx.receiveRequest(ack());
      clock.advance(T4 - 1);
      assert.equal(tx.state, TransactionState.Confirmed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
    });

    it('Timer I MUST be zero over a reliable transport (§17.2.1)', () => {
      const { tx, owner, invite, ack, events } = serve('TCP');
      tx.respond(response(invite, 486));
      tx.receiveRequest(ack());
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      assert.deepEqual(events, ['terminated@0']);
    });

    it('an ACK in Proceeding or Accepted MUST NOT change the state (§17.2.1, RFC 6026 §7.1)', () => {
      const { tx, invite, ack } = serve();
      tx.receiveRequest(ack());
      assert.equal(tx.state, TransactionState.Proceeding);
      tx.respond(response(invite, 200));
      tx.receiveRequest(ack());
      assert.equal(tx.state, TransactionState.Accepted);
    });
  });

  describe('transport errors', () => {
    it(
      'it SHOULD inform the TU and enter Terminated when the transport cannot send a response (§17.2.4)',
      {},
      async () => {
        const { tx, wire, invite } = serve('TCP');
        wire.result = false;
        tx.respond(response(invite, 486));
        await flush();
        assert.equal(tx.state, TransactionState.Terminated);
      },
    );
  });
});
