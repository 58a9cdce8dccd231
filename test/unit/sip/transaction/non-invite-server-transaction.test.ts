/** RFC 3261 §17.2.2 non-INVITE server transaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NonInviteServerTransaction,
  TIMEOUT_64T1,
  TransactionState,
  type ServerTransaction,
} from '../../../../engine/sip/transaction/index.js';
import type { TransportProtocol } from '../../../../engine/sip/transport/flow.js';
import { flush, useFakeClock } from '../../support/fake-clock.js';
import { FakeOwner, FakeTransport, flow, request, response } from '../../support/sip-fixtures.js';

const clock = useFakeClock();

function serve(transport: TransportProtocol = 'UDP') {
  const req = request('REGISTER');
  const wire = new FakeTransport();
  const owner = new FakeOwner();
  const tx: ServerTransaction = new NonInviteServerTransaction('key', req, flow(transport), wire, owner);
  const terminatedAt: number[] = [];
  tx.onTerminated = () => terminatedAt.push(clock.now());
  return { tx, wire, owner, req, terminatedAt };
}

describe('NonInviteServerTransaction (RFC 3261 §17.2.2)', () => {
  describe('Trying', () => {
    it('it MUST start in Trying (§17.2.2)', () => {
      assert.equal(serve().tx.state, TransactionState.Trying);
    });

    it('a retransmitted request in Trying MUST be discarded (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.receiveRequest(req);
      assert.deepEqual(wire.sent, []);
      assert.equal(tx.state, TransactionState.Trying);
    });

    it('it MUST enter Proceeding when the TU sends a provisional response, and pass it to the transport (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 100));
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual(wire.responseStatuses(), [100]);
    });

    it('it MUST enter Completed when the TU sends a final response from Trying (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 200));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(wire.responseStatuses(), [200]);
    });
  });

  describe('Proceeding', () => {
    it('further provisional responses from the TU MUST be passed to the transport (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 100));
      tx.respond(response(req, 183));
      assert.deepEqual(wire.responseStatuses(), [100, 183]);
      assert.equal(tx.state, TransactionState.Proceeding);
    });

    it('a retransmitted request in Proceeding MUST be answered with the most recent provisional response (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 100));
      tx.respond(response(req, 183));
      tx.receiveRequest(req);
      assert.deepEqual(wire.responseStatuses(), [100, 183, 183]);
    });

    it('it MUST enter Completed when the TU sends a final response from Proceeding (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 100));
      tx.respond(response(req, 401));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(wire.responseStatuses(), [100, 401]);
    });
  });

  describe('Completed', () => {
    it('a retransmitted request in Completed MUST be answered with the final response (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 100));
      tx.respond(response(req, 200));
      tx.receiveRequest(req);
      tx.receiveRequest(req);
      assert.deepEqual(wire.responseStatuses(), [100, 200, 200, 200]);
    });

    it('any other response passed by the TU in Completed MUST be discarded (§17.2.2)', () => {
      const { tx, wire, req } = serve();
      tx.respond(response(req, 200));
      tx.respond(response(req, 500));
      tx.respond(response(req, 100));
      assert.deepEqual(wire.responseStatuses(), [200]);
      tx.receiveRequest(req);
      assert.deepEqual(
        wire.responseStatuses(),
        [200, 200],
        'the retransmission answer is still the first final',
      );
    });

    it('it MUST NOT retransmit the final response on its own (§17.2.2)', () => {
      const { tx, wire, req } = serve('UDP');
      tx.respond(response(req, 200));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.responseTimes(), [0]);
    });

    it('it MUST enter Terminated when Timer J (64*T1) fires over an unreliable transport (§17.2.2)', () => {
      const { tx, owner, req, terminatedAt } = serve('UDP');
      tx.respond(response(req, 200));
      clock.advance(TIMEOUT_64T1 - 1);
      assert.equal(tx.state, TransactionState.Completed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      assert.deepEqual(terminatedAt, [TIMEOUT_64T1]);
    });

    it('Timer J MUST be zero over a reliable transport (§17.2.2)', () => {
      const { tx, owner, wire, req, terminatedAt } = serve('TCP');
      tx.respond(response(req, 200));
      assert.deepEqual(wire.responseStatuses(), [200]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      assert.deepEqual(terminatedAt, [0]);
    });
  });

  describe('transport errors', () => {
    it(
      'it SHOULD inform the TU and enter Terminated when the transport cannot send a response (§17.2.4)',
      {},
      async () => {
        const { tx, wire, req } = serve('UDP');
        wire.result = false;
        tx.respond(response(req, 100));
        await flush();
        assert.equal(tx.state, TransactionState.Terminated);
      },
    );
  });
});
