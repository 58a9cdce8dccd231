/** RFC 3261 §17: the transaction layer matches requests and responses to transactions (§17.1.3, §17.2.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogRoot } from '../../../../engine/log/index.js';
import type { SipRequest, SipResponse } from '../../../../engine/sip/message/sip-message.js';
import {
  InviteClientTransaction,
  InviteServerTransaction,
  NonInviteClientTransaction,
  NonInviteServerTransaction,
  TransactionLayer,
  TransactionState,
  type ServerTransaction,
  type TransactionLayerUser,
} from '../../../../engine/sip/transaction/index.js';
import type { Flow } from '../../../../engine/sip/transport/flow.js';
import type { TransportLayer, TransportUser } from '../../../../engine/sip/transport/transport-layer.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { FakeTransport, FakeTu, flow, request, response } from '../../support/sip-fixtures.js';

useFakeClock();

/** The transport layer as the transaction layer sees it: send, sendResponse and the `user` up-link. */
class FakeTransportLayer extends FakeTransport {
  user: TransportUser | undefined;
}

class RecordingUser implements TransactionLayerUser {
  readonly requests: ServerTransaction[] = [];
  readonly acks: SipRequest[] = [];
  readonly strays: SipResponse[] = [];
  receiveRequest(tx: ServerTransaction): void {
    this.requests.push(tx);
  }
  receiveAck(ack: SipRequest): void {
    this.acks.push(ack);
  }
  receiveStrayResponse(res: SipResponse): void {
    this.strays.push(res);
  }
}

function layer() {
  const wire = new FakeTransportLayer();
  const transactions = new TransactionLayer(
    wire as unknown as TransportLayer,
    new LogRoot('silent').logger('test'),
  );
  const user = new RecordingUser();
  transactions.user = user;
  return { wire, transactions, user };
}

const udp: Flow = flow('UDP');

describe('TransactionLayer (RFC 3261 §17)', () => {
  it('it registers itself as the transport layer’s user', () => {
    const { wire, transactions } = layer();
    assert.equal(wire.user, transactions);
  });

  describe('server side (§17.2.3)', () => {
    it('a new INVITE MUST create an INVITE server transaction and reach the TU', () => {
      const { transactions, user } = layer();
      const invite = request('INVITE');
      transactions.receiveRequest(invite, udp);
      assert.equal(user.requests.length, 1);
      const tx = user.requests[0]!;
      assert.ok(tx instanceof InviteServerTransaction);
      assert.equal(tx.request, invite);
      assert.deepEqual(tx.flow, udp);
      assert.deepEqual(transactions.counts, { server: 1, serverInProgress: 1, client: 0 });
    });

    it('a new non-INVITE request MUST create a non-INVITE server transaction', () => {
      const { transactions, user } = layer();
      transactions.receiveRequest(request('REGISTER'), udp);
      assert.ok(user.requests[0] instanceof NonInviteServerTransaction);
    });

    it('a retransmitted request MUST be absorbed by its transaction and answered with the last response', () => {
      const { transactions, user, wire } = layer();
      const invite = request('INVITE');
      transactions.receiveRequest(invite, udp);
      user.requests[0]!.respond(response(invite, 180));
      transactions.receiveRequest(request('INVITE'), udp);
      assert.equal(user.requests.length, 1, 'the TU sees the request once');
      assert.deepEqual(wire.responseStatuses(), [180, 180]);
    });

    it('the ACK for a non-2xx MUST be absorbed by the INVITE server transaction (Completed → Confirmed)', () => {
      const { transactions, user } = layer();
      const invite = request('INVITE');
      transactions.receiveRequest(invite, udp);
      const tx = user.requests[0]!;
      tx.respond(response(invite, 486));
      transactions.receiveRequest(request('ACK', { toTag: 'uas-tag-1' }), udp);
      assert.equal(tx.state, TransactionState.Confirmed);
      assert.deepEqual(user.acks, []);
      assert.equal(user.requests.length, 1);
    });

    it('an ACK for a 2xx (its own branch) MUST be passed to the TU without creating a transaction (§17)', () => {
      const { transactions, user } = layer();
      const invite = request('INVITE', { branch: 'z9hG4bK-invite' });
      transactions.receiveRequest(invite, udp);
      user.requests[0]!.respond(response(invite, 200));
      const ack = request('ACK', { branch: 'z9hG4bK-ack', toTag: 'uas-tag-1' });
      transactions.receiveRequest(ack, udp);
      assert.deepEqual(user.acks, [ack]);
      assert.equal(user.requests.length, 1);
      assert.deepEqual(transactions.counts, { server: 1, serverInProgress: 0, client: 0 });
    });

    it('an ACK matching an INVITE transaction that answered 2xx MUST still reach the TU (RFC 2543 peers reuse the branch)', () => {
      const { transactions, user } = layer();
      const invite = request('INVITE', { branch: null });
      transactions.receiveRequest(invite, udp);
      const tx = user.requests[0]!;
      tx.respond(response(invite, 200));
      const ack = request('ACK', { branch: null, toTag: 'uas-tag-1' });
      transactions.receiveRequest(ack, udp);
      assert.deepEqual(user.acks, [ack]);
      assert.equal(tx.state, TransactionState.Accepted);
    });

    it('an ACK matching no transaction MUST be passed to the TU', () => {
      const { transactions, user } = layer();
      const ack = request('ACK', { toTag: 'x' });
      transactions.receiveRequest(ack, udp);
      assert.deepEqual(user.acks, [ack]);
      assert.deepEqual(transactions.counts, { server: 0, serverInProgress: 0, client: 0 });
    });

    it('a CANCEL MUST get its own transaction, and the INVITE it cancels MUST be found by branch (§9.2)', () => {
      const { transactions, user } = layer();
      transactions.receiveRequest(request('INVITE', { branch: 'z9hG4bK-x' }), udp);
      const cancel = request('CANCEL', { branch: 'z9hG4bK-x' });
      transactions.receiveRequest(cancel, udp);
      assert.equal(user.requests.length, 2);
      assert.ok(user.requests[1] instanceof NonInviteServerTransaction);
      assert.equal(transactions.findInviteForCancel(cancel), user.requests[0]);
      assert.equal(transactions.findInviteForCancel(request('CANCEL', { branch: 'z9hG4bK-y' })), undefined);
    });

    it('requests with the same branch from different senders MUST NOT match', () => {
      const { transactions, user } = layer();
      transactions.receiveRequest(request('OPTIONS', { sentBy: '192.0.2.10:5060' }), udp);
      transactions.receiveRequest(request('OPTIONS', { sentBy: '192.0.2.11:5060' }), udp);
      assert.equal(user.requests.length, 2);
    });

    it('an RFC 2543 retransmission (no branch) MUST be matched on Call-ID, CSeq, From tag and Via', () => {
      const { transactions, user } = layer();
      transactions.receiveRequest(request('OPTIONS', { branch: null }), udp);
      transactions.receiveRequest(request('OPTIONS', { branch: null }), udp);
      transactions.receiveRequest(request('OPTIONS', { branch: null, cseq: 2 }), udp);
      assert.equal(user.requests.length, 2);
    });

    it('a terminated transaction MUST be forgotten, so a later copy of the request is new', () => {
      const { transactions, user } = layer();
      const tcp = flow('TCP');
      const reg = request('REGISTER', { viaTransport: 'TCP' });
      transactions.receiveRequest(reg, tcp);
      user.requests[0]!.respond(response(reg, 200)); // Timer J is zero over TCP
      assert.deepEqual(transactions.counts, { server: 0, serverInProgress: 0, client: 0 });
      transactions.receiveRequest(request('REGISTER', { viaTransport: 'TCP' }), tcp);
      assert.equal(user.requests.length, 2);
    });

    it('a request without a usable Via is dropped', () => {
      const { transactions, user } = layer();
      const req = request('OPTIONS');
      req.headers.remove('Via');
      transactions.receiveRequest(req, udp);
      assert.deepEqual(user.requests, []);
    });
  });

  describe('client side (§17.1.3)', () => {
    it('sendRequest MUST start the transaction that matches the request method and send the request', () => {
      const { transactions, wire } = layer();
      const tu = new FakeTu();
      const inv = transactions.sendRequest(request('INVITE', { branch: 'z9hG4bK-c1' }), udp, tu);
      const opt = transactions.sendRequest(request('OPTIONS', { branch: 'z9hG4bK-c2' }), udp, tu);
      assert.ok(inv instanceof InviteClientTransaction);
      assert.ok(opt instanceof NonInviteClientTransaction);
      assert.equal(inv.state, TransactionState.Calling);
      assert.deepEqual(wire.requestTimes('INVITE'), [0]);
      assert.deepEqual(wire.requestTimes('OPTIONS'), [0]);
      assert.deepEqual(transactions.counts, { server: 0, serverInProgress: 0, client: 2 });
    });

    it('a response MUST be matched by the top Via branch and CSeq method and passed to its transaction', () => {
      const { transactions, user } = layer();
      const tu = new FakeTu();
      const invite = request('INVITE', { branch: 'z9hG4bK-c1' });
      const tx = transactions.sendRequest(invite, udp, tu);
      transactions.receiveResponse(response(invite, 180), udp);
      assert.deepEqual(tu.statuses(), [180]);
      assert.equal(tx.state, TransactionState.Proceeding);
      assert.deepEqual(user.strays, []);
    });

    it('a response to the CANCEL MUST NOT be matched to the INVITE transaction with the same branch', () => {
      const { transactions, user } = layer();
      const tu = new FakeTu();
      const invite = request('INVITE', { branch: 'z9hG4bK-c1' });
      transactions.sendRequest(invite, udp, tu);
      const cancelOk = response(request('CANCEL', { branch: 'z9hG4bK-c1' }), 200);
      transactions.receiveResponse(cancelOk, udp);
      assert.deepEqual(tu.statuses(), []);
      assert.deepEqual(user.strays, [cancelOk]);
    });

    it('a response matching no client transaction MUST be passed up as stray (e.g. a 2xx after Timer M)', () => {
      const { transactions, user } = layer();
      const tu = new FakeTu();
      const invite = request('INVITE', { branch: 'z9hG4bK-c1', viaTransport: 'TCP' });
      transactions.sendRequest(invite, flow('TCP'), tu);
      transactions.receiveResponse(response(invite, 486), flow('TCP')); // Timer D is zero over TCP
      assert.deepEqual(transactions.counts, { server: 0, serverInProgress: 0, client: 0 });
      const late = response(invite, 486);
      transactions.receiveResponse(late, flow('TCP'));
      assert.deepEqual(user.strays, [late]);
      assert.deepEqual(tu.statuses(), [486]);
    });
  });

  describe('shutdown', () => {
    it('it answers open server transactions with 503 and Retry-After, and terminates every transaction', () => {
      const { transactions, user, wire } = layer();
      const invite = request('INVITE', { branch: 'z9hG4bK-s1' });
      transactions.receiveRequest(invite, udp);
      const answered = request('OPTIONS', { branch: 'z9hG4bK-s2' });
      transactions.receiveRequest(answered, udp);
      user.requests[1]!.respond(response(answered, 200));
      transactions.sendRequest(request('OPTIONS', { branch: 'z9hG4bK-c1' }), udp, new FakeTu());
      transactions.shutdown();
      assert.deepEqual(wire.responseStatuses(), [200, 503]);
      const last = wire.sent.at(-1)!.message;
      assert.equal(last.kind === 'response' && last.headers.get('Retry-After'), '30');
      assert.deepEqual(transactions.counts, { server: 0, serverInProgress: 0, client: 0 });
      assert.ok(user.requests.every((tx) => tx.state === TransactionState.Terminated));
    });
  });
});
