/** RFC 3261 §17.1.2 non-INVITE client transaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NonInviteClientTransaction,
  T2,
  T4,
  TIMEOUT_64T1,
  TransactionState,
} from '../../../../engine/sip/transaction/index.js';
import type { TransportProtocol } from '../../../../engine/sip/transport/flow.js';
import { flush, useFakeClock } from '../../support/fake-clock.js';
import { FakeOwner, FakeTransport, FakeTu, flow, request, response } from '../../support/sip-fixtures.js';

const clock = useFakeClock();

function start(transport: TransportProtocol = 'UDP') {
  const req = request('OPTIONS');
  const wire = new FakeTransport();
  const owner = new FakeOwner();
  const tu = new FakeTu();
  const tx = new NonInviteClientTransaction('key', req, flow(transport), wire, owner, tu);
  tx.start();
  return { tx, wire, owner, tu, req };
}

describe('NonInviteClientTransaction (RFC 3261 §17.1.2)', () => {
  describe('Trying', () => {
    it('it MUST pass the request to the transport and enter Trying (§17.1.2.2)', () => {
      const { tx, wire } = start();
      assert.equal(tx.state, TransactionState.Trying);
      assert.deepEqual(wire.requestTimes('OPTIONS'), [0]);
    });

    it('it MUST retransmit on Timer E, doubling from T1 and capped at T2, over an unreliable transport (§17.1.2.2)', () => {
      const { wire } = start('UDP');
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(
        wire.requestTimes('OPTIONS'),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
      );
    });

    it('it MUST NOT set Timer E over a reliable transport (§17.1.2.2)', () => {
      const { wire } = start('TCP');
      clock.advance(TIMEOUT_64T1 - 1);
      assert.deepEqual(wire.requestTimes('OPTIONS'), [0]);
    });

    it('it SHOULD inform the TU of a timeout when Timer F (64*T1) fires in Trying and enter Terminated (§17.1.2.2)', () => {
      const { tx, tu, owner } = start('UDP');
      clock.advance(TIMEOUT_64T1 - 1);
      assert.equal(tu.count('timeout'), 0);
      clock.advance(1);
      assert.deepEqual(tu.events, [{ kind: 'timeout', at: TIMEOUT_64T1 }]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
    });

    it('it MUST set Timer F over a reliable transport too (§17.1.2.2)', () => {
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
      const tx = new NonInviteClientTransaction('key', request('OPTIONS'), flow(), wire, owner, tu);
      tx.start();
      await flush();
      assert.deepEqual(tu.events, [{ kind: 'transport-error', at: 0 }]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
      clock.advance(2 * TIMEOUT_64T1);
      assert.equal(tu.count('timeout'), 0);
      assert.equal(wire.requests('OPTIONS').length, 1);
    });
  });

  describe('Proceeding', () => {
    it('it MUST enter Proceeding on a 1xx and pass it to the TU (§17.1.2.2)', () => {
      const { tx, tu, req } = start();
      tx.receiveResponse(response(req, 100));
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual(tu.statuses(), [100]);
      tx.receiveResponse(response(req, 180));
      assert.deepEqual(tu.statuses(), [100, 180]);
    });

    it('Timer E MUST be reset to T2 each time it fires in Proceeding (§17.1.2.2)', () => {
      const { tx, wire, req } = start('UDP');
      clock.advance(600); // after the first retransmission at 500; Timer E is due again at 1500
      tx.receiveResponse(response(req, 100));
      clock.advance(TIMEOUT_64T1 - 600 - 1);
      assert.deepEqual(wire.requestTimes('OPTIONS'), [
        0,
        500,
        1500,
        1500 + T2,
        1500 + 2 * T2,
        1500 + 3 * T2,
        1500 + 4 * T2,
        1500 + 5 * T2,
        1500 + 6 * T2,
        1500 + 7 * T2,
      ]);
    });

    it('it SHOULD inform the TU of a timeout when Timer F fires in Proceeding (§17.1.2.2)', () => {
      const { tx, tu, req } = start();
      tx.receiveResponse(response(req, 100));
      clock.advance(TIMEOUT_64T1);
      assert.deepEqual(
        tu.events.map((e) => e.kind),
        ['response', 'timeout'],
      );
      assert.equal(tx.state, TransactionState.Terminated);
    });
  });

  describe('Completed', () => {
    it('it MUST enter Completed on a 200-699 from Trying and pass it to the TU (§17.1.2.2)', () => {
      const { tx, tu, req } = start();
      tx.receiveResponse(response(req, 200));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(tu.statuses(), [200]);
    });

    it('it MUST enter Completed on a 200-699 from Proceeding and pass it to the TU (§17.1.2.2)', () => {
      const { tx, tu, req } = start();
      tx.receiveResponse(response(req, 100));
      tx.receiveResponse(response(req, 404));
      assert.equal(tx.state, TransactionState.Completed);
      assert.deepEqual(tu.statuses(), [100, 404]);
    });

    it('it MUST stop retransmitting and MUST NOT time out once Completed (§17.1.2.2)', () => {
      const { tx, wire, tu, req } = start('UDP');
      clock.advance(600);
      tx.receiveResponse(response(req, 200));
      clock.advance(TIMEOUT_64T1);
      assert.deepEqual(wire.requestTimes('OPTIONS'), [0, 500]);
      assert.equal(tu.count('timeout'), 0);
    });

    it('retransmitted final responses MUST be absorbed in Completed (§17.1.2.2)', () => {
      const { tx, tu, req } = start('UDP');
      const ok = response(req, 200);
      tx.receiveResponse(ok);
      tx.receiveResponse(ok);
      tx.receiveResponse(response(req, 500));
      assert.deepEqual(tu.statuses(), [200]);
    });

    it('it MUST enter Terminated when Timer K (T4) fires over an unreliable transport (§17.1.2.2)', () => {
      const { tx, owner, req } = start('UDP');
      tx.receiveResponse(response(req, 200));
      clock.advance(T4 - 1);
      assert.equal(tx.state, TransactionState.Completed);
      clock.advance(1);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
    });

    it('Timer K MUST be zero over a reliable transport (§17.1.2.2)', () => {
      const { tx, owner, tu, req } = start('TCP');
      tx.receiveResponse(response(req, 200));
      assert.deepEqual(tu.statuses(), [200]);
      assert.equal(tx.state, TransactionState.Terminated);
      assert.deepEqual(owner.terminated, [tx]);
    });
  });
});
