// The message-summary body (RFC 3842 §5.2), the Event header, the granted subscription duration
// (RFC 6665 §4.2.1.1) and the Message-Account URI.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalAddresses } from '../../../../engine/sip/core/local-addresses.js';
import {
  DEFAULT_SUBSCRIPTION_OPTIONS,
  formatEventHeader,
  formatMessageSummary,
  grantExpires,
  messageAccount,
  parseEventHeader,
} from '../../../../engine/sip/events/index.js';

describe('formatMessageSummary', () => {
  it('says yes while anything is unheard, with new/old counts and no urgent ones', () => {
    assert.equal(
      formatMessageSummary({ newMessages: 2, oldMessages: 5 }, 'sip:*97@192.0.2.1'),
      'Messages-Waiting: yes\r\nMessage-Account: sip:*97@192.0.2.1\r\nVoice-Message: 2/5 (0/0)\r\n',
    );
  });

  it('says no when every message is heard, and when there are none', () => {
    assert.match(
      formatMessageSummary({ newMessages: 0, oldMessages: 3 }, 'sip:a@b'),
      /^Messages-Waiting: no\r\n/,
    );
    assert.match(
      formatMessageSummary({ newMessages: 0, oldMessages: 0 }, 'sip:a@b'),
      /Voice-Message: 0\/0 \(0\/0\)/,
    );
  });
});

describe('grantExpires', () => {
  const o = { minExpires: 60, maxExpires: 3600, defaultExpires: 3600 };

  it('grants the default when none is asked, and never more than the maximum', () => {
    assert.deepEqual(grantExpires(undefined, o), { ok: true, seconds: 3600 });
    assert.deepEqual(grantExpires(undefined, { ...o, maxExpires: 600 }), { ok: true, seconds: 600 });
    assert.deepEqual(grantExpires('86400', o), { ok: true, seconds: 3600 });
    assert.deepEqual(grantExpires('99999999999999999999', o), { ok: true, seconds: 3600 });
    assert.deepEqual(grantExpires(' 600 ', o), { ok: true, seconds: 600 });
  });

  it('takes 0 as an unsubscribe', () => {
    assert.deepEqual(grantExpires('0', o), { ok: true, seconds: 0 });
  });

  it('answers too brief with 423 and the minimum, and garbage with 400 naming Expires', () => {
    assert.deepEqual(grantExpires('59', o), {
      ok: false,
      status: 423,
      reason: 'Interval Too Brief',
      minExpires: 60,
    });
    for (const bad of ['soon', '-5', '1.5', ''])
      assert.deepEqual(grantExpires(bad, o), {
        ok: false,
        status: 400,
        reason: 'Bad Request - Invalid Expires',
      });
  });

  it('has an hour as the package default', () => {
    assert.equal(DEFAULT_SUBSCRIPTION_OPTIONS.defaultExpires, 3600);
  });
});

describe('parseEventHeader', () => {
  it('reads the package (lower-cased) and the id parameter', () => {
    assert.deepEqual(parseEventHeader('message-summary'), { package: 'message-summary', id: undefined });
    assert.deepEqual(parseEventHeader('Message-Summary ; id=7'), { package: 'message-summary', id: '7' });
    assert.equal(formatEventHeader({ package: 'message-summary', id: '7' }), 'message-summary;id=7');
  });

  it('refuses what is not a token', () => {
    assert.equal(parseEventHeader(undefined), null);
    assert.equal(parseEventHeader(''), null);
    assert.equal(parseEventHeader('message summary'), null);
    assert.equal(parseEventHeader('<x>'), null);
  });
});

describe('messageAccount', () => {
  it('is the voicemail number at the advertised address, with the port unless it is 5060', () => {
    assert.equal(messageAccount('*97', new LocalAddresses('192.0.2.1', 5060, 8080)), 'sip:*97@192.0.2.1');
    assert.equal(
      messageAccount('*97', new LocalAddresses('192.0.2.1', 5070, 8080)),
      'sip:*97@192.0.2.1:5070',
    );
    assert.equal(
      messageAccount('*97', new LocalAddresses('2001:db8::1', 5060, 8080)),
      'sip:*97@[2001:db8::1]',
    );
  });
});
