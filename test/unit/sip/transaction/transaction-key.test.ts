/** RFC 3261 §17.2.3 (server) and §17.1.3 (client) transaction matching keys. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest } from '../../../../engine/sip/message/sip-message.js';
import { clientTransactionKey, serverTransactionKey } from '../../../../engine/sip/transaction/index.js';
import { request, response } from '../../support/sip-fixtures.js';

describe('serverTransactionKey (RFC 3261 §17.2.3)', () => {
  describe('RFC 3261 branches (magic cookie)', () => {
    it('a retransmission (same branch, sent-by and method) MUST match', () => {
      const a = request('INVITE', { branch: 'z9hG4bK-a' });
      const b = request('INVITE', { branch: 'z9hG4bK-a' });
      assert.ok(serverTransactionKey(a));
      assert.equal(serverTransactionKey(a), serverTransactionKey(b));
    });

    it('an ACK MUST match the INVITE transaction with the same branch and sent-by', () => {
      const invite = request('INVITE', { branch: 'z9hG4bK-a' });
      const ack = request('ACK', { branch: 'z9hG4bK-a', toTag: 'uas-tag-1' });
      assert.equal(serverTransactionKey(ack), serverTransactionKey(invite));
    });

    it('a CANCEL MUST NOT match the INVITE it cancels (the method differs)', () => {
      const invite = request('INVITE', { branch: 'z9hG4bK-a' });
      const cancel = request('CANCEL', { branch: 'z9hG4bK-a' });
      assert.notEqual(serverTransactionKey(cancel), serverTransactionKey(invite));
      assert.equal(serverTransactionKey(cancel, 'INVITE'), serverTransactionKey(invite));
    });

    it('requests with the same branch MUST NOT match when the sent-by differs', () => {
      const a = request('OPTIONS', { branch: 'z9hG4bK-a', sentBy: '192.0.2.10:5060' });
      const b = request('OPTIONS', { branch: 'z9hG4bK-a', sentBy: '192.0.2.11:5060' });
      const c = request('OPTIONS', { branch: 'z9hG4bK-a', sentBy: '192.0.2.10:5070' });
      assert.notEqual(serverTransactionKey(a), serverTransactionKey(b));
      assert.notEqual(serverTransactionKey(a), serverTransactionKey(c));
    });

    it('requests with different branches MUST NOT match', () => {
      const a = request('OPTIONS', { branch: 'z9hG4bK-a' });
      const b = request('OPTIONS', { branch: 'z9hG4bK-b' });
      assert.notEqual(serverTransactionKey(a), serverTransactionKey(b));
    });

    it('only the branch, sent-by and method matter: Call-ID and CSeq number are not compared', () => {
      const a = request('OPTIONS', { branch: 'z9hG4bK-a', callId: 'one', cseq: 1 });
      const b = request('OPTIONS', { branch: 'z9hG4bK-a', callId: 'two', cseq: 2 });
      assert.equal(serverTransactionKey(a), serverTransactionKey(b));
    });

    it('a response keys on its CSeq method, so it names the transaction of its request', () => {
      const invite = request('INVITE', { branch: 'z9hG4bK-a' });
      assert.equal(serverTransactionKey(response(invite, 180)), serverTransactionKey(invite));
    });

    it(
      'a branch of just the magic cookie MUST fall back to RFC 2543 matching (RFC 4475 §3.2.1 badbranch)',
      {},
      () => {
        const a = request('INVITE', { branch: 'z9hG4bK', callId: 'first@192.0.2.10' });
        const b = request('INVITE', { branch: 'z9hG4bK', callId: 'second@192.0.2.10' });
        assert.notEqual(serverTransactionKey(a), serverTransactionKey(b));
      },
    );
  });

  describe('RFC 2543 fallback (no magic cookie)', () => {
    const invite = (o: Parameters<typeof request>[1] = {}) => request('INVITE', { branch: null, ...o });

    it('a retransmission MUST match on Call-ID, CSeq, From tag and top Via', () => {
      assert.ok(serverTransactionKey(invite()));
      assert.equal(serverTransactionKey(invite()), serverTransactionKey(invite()));
    });

    it('the ACK for a non-2xx (To tag added by the response) MUST match the INVITE', () => {
      const ack = request('ACK', { branch: null, toTag: 'uas-tag-1' });
      assert.equal(serverTransactionKey(ack), serverTransactionKey(invite()));
    });

    it('requests MUST NOT match when the Call-ID, CSeq number, From tag or sent-by differ', () => {
      const base = serverTransactionKey(invite());
      assert.notEqual(serverTransactionKey(invite({ callId: 'other@192.0.2.10' })), base);
      assert.notEqual(serverTransactionKey(invite({ cseq: 2 })), base);
      assert.notEqual(serverTransactionKey(invite({ fromTag: 'other' })), base);
      assert.notEqual(serverTransactionKey(invite({ sentBy: '192.0.2.11:5060' })), base);
    });

    it('an RFC 2543 branch (no cookie) is compared as part of the top Via', () => {
      assert.notEqual(
        serverTransactionKey(invite({ branch: 'old-style-1' })),
        serverTransactionKey(invite({ branch: 'old-style-2' })),
      );
    });

    it('an RFC 2543 key never equals an RFC 3261 key', () => {
      assert.notEqual(
        serverTransactionKey(invite({ branch: 'abc' })),
        serverTransactionKey(invite({ branch: 'z9hG4bKabc' })),
      );
    });

    it('requests MUST NOT match when the Request-URI differs (§17.2.3)', {}, () => {
      assert.notEqual(
        serverTransactionKey(invite({ uri: 'sip:202@pbx.example' })),
        serverTransactionKey(invite({ uri: 'sip:203@pbx.example' })),
      );
    });
  });

  it('a message without Via or with an unparseable CSeq has no key', () => {
    const noVia = createRequest('OPTIONS', 'sip:pbx.example', [{ name: 'CSeq', value: '1 OPTIONS' }]);
    assert.equal(serverTransactionKey(noVia), undefined);
    const badCseq = request('OPTIONS');
    badCseq.headers.set('CSeq', 'one OPTIONS');
    assert.equal(serverTransactionKey(badCseq), undefined);
    const badVia = request('OPTIONS');
    badVia.headers.set('Via', 'not a via');
    assert.equal(serverTransactionKey(badVia), undefined);
  });
});

describe('clientTransactionKey (RFC 3261 §17.1.3)', () => {
  it('a response MUST match on the top Via branch and the CSeq method', () => {
    assert.equal(clientTransactionKey('z9hG4bK-a', 'INVITE'), clientTransactionKey('z9hG4bK-a', 'INVITE'));
    assert.notEqual(clientTransactionKey('z9hG4bK-a', 'INVITE'), clientTransactionKey('z9hG4bK-b', 'INVITE'));
  });

  it('a CANCEL (same branch as its INVITE) MUST have its own client transaction', () => {
    assert.notEqual(clientTransactionKey('z9hG4bK-a', 'CANCEL'), clientTransactionKey('z9hG4bK-a', 'INVITE'));
  });

  it('ACK is keyed with the INVITE it acknowledges', () => {
    assert.equal(clientTransactionKey('z9hG4bK-a', 'ACK'), clientTransactionKey('z9hG4bK-a', 'INVITE'));
  });
});
