/** The registrar (RFC 3261 §10.3), driven through a fake server transaction. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { LogRoot } from '../../../../engine/log/index.js';
import { LocationService } from '../../../../engine/sip/location/location-service.js';
import { parseNameAddr } from '../../../../engine/sip/message/name-addr.js';
import {
  createRequest,
  type HeaderEntry,
  type SipRequest,
  type SipResponse,
} from '../../../../engine/sip/message/sip-message.js';
import { Registrar, type RegistrarOptions } from '../../../../engine/sip/registrar/registrar.js';
import type { ServerTransaction } from '../../../../engine/sip/transaction/server-transaction.js';
import { flow } from '../../support/sip-fixtures.js';

const T0 = Date.UTC(2025, 0, 1, 9, 0, 0);
const OPTIONS: RegistrarOptions = {
  minExpires: 60,
  maxExpires: 3600,
  defaultExpires: 1800,
  maxContactsPerAor: 3,
};

interface RegisterOptions {
  user?: string;
  to?: string;
  contacts?: string[];
  expires?: string;
  callId?: string;
  cseq?: number;
}

function register(o: RegisterOptions = {}): SipRequest {
  const user = o.user ?? '201';
  const headers: HeaderEntry[] = [
    { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-reg' },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<sip:${user}@pbx.example>;tag=reg-tag` },
    { name: 'To', value: o.to ?? `<sip:${user}@pbx.example>` },
    { name: 'Call-ID', value: o.callId ?? 'reg-call-1' },
    { name: 'CSeq', value: `${o.cseq ?? 1} REGISTER` },
    { name: 'User-Agent', value: 'UnitPhone/1.0' },
  ];
  for (const c of o.contacts ?? []) headers.push({ name: 'Contact', value: c });
  if (o.expires !== undefined) headers.push({ name: 'Expires', value: o.expires });
  return createRequest('REGISTER', 'sip:pbx.example', headers);
}

/** A stand-in for the server transaction: the registrar only reads `request` and `flow` and calls `respond`. */
function serverTransaction(req: SipRequest): { tx: ServerTransaction; responses: SipResponse[] } {
  const responses: SipResponse[] = [];
  const tx = { request: req, flow: flow(), respond: (res: SipResponse) => void responses.push(res) };
  return { tx: tx as unknown as ServerTransaction, responses };
}

/** Contact URI → expires parameter of a 200 (§10.3 step 8). */
function contactsOf(res: SipResponse): Record<string, string | null | undefined> {
  const out: Record<string, string | null | undefined> = {};
  for (const v of res.headers.getAll('Contact')) {
    const na = parseNameAddr(v);
    assert.ok(na, v);
    out[na.uri] = na.params.get('expires');
  }
  return out;
}

describe('Registrar (RFC 3261 §10.3)', () => {
  let location: LocationService;
  let registrar: Registrar;

  beforeEach(() => {
    mock.timers.enable({ apis: ['Date'], now: T0 });
    location = new LocationService();
    registrar = new Registrar(location, OPTIONS, new LogRoot('silent').logger('test'));
  });
  afterEach(() => {
    location.close();
    mock.timers.reset();
  });

  /** Sends one REGISTER as authenticated user `username` (default: the From user) and returns the answer. */
  function send(o: RegisterOptions = {}, username = o.user ?? '201'): SipResponse {
    const { tx, responses } = serverTransaction(register(o));
    registrar.handle(tx, username);
    assert.equal(responses.length, 1, 'exactly one final response');
    return responses[0]!;
  }

  const C1 = 'sip:201@192.0.2.10:5060';
  const C2 = 'sip:201@192.0.2.11:5060';
  const C3 = 'sip:201@192.0.2.12:5060';
  const C4 = 'sip:201@192.0.2.13:5060';

  describe('adding bindings (step 7)', () => {
    it('it MUST store the binding and answer 200 listing it with its expiry (step 8)', () => {
      const res = send({ contacts: [`<${C1}>`], expires: '600' });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), { [C1]: '600' });
      const [b] = location.lookup('201');
      assert.equal(b?.contact, C1);
      assert.equal(b?.expiresAt, T0 + 600_000);
      assert.equal(b?.callId, 'reg-call-1');
      assert.equal(b?.cseq, 1);
      assert.equal(b?.userAgent, 'UnitPhone/1.0');
      assert.deepEqual(b?.flow, flow());
    });

    it('the 200 SHOULD carry a Date header (step 8)', () => {
      const res = send({ contacts: [`<${C1}>`] });
      assert.equal(res.headers.get('Date'), new Date(T0).toUTCString());
    });

    it('an "expires" Contact parameter MUST take precedence over the Expires header', () => {
      const res = send({ contacts: [`<${C1}>;expires=120`, `<${C2}>`], expires: '900' });
      assert.deepEqual(contactsOf(res), { [C1]: '120', [C2]: '900' });
    });

    it('without an "expires" parameter the Expires header MUST be used', () => {
      assert.deepEqual(contactsOf(send({ contacts: [`<${C1}>`], expires: '900' })), { [C1]: '900' });
    });

    it('without either the configured default MUST be used', () => {
      assert.deepEqual(contactsOf(send({ contacts: [`<${C1}>`] })), { [C1]: '1800' });
    });

    it('an interval above the maximum MAY be shortened: it is clamped to maxExpires', () => {
      const res = send({ contacts: [`<${C1}>;expires=86400`] });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), { [C1]: '3600' });
      assert.equal(location.lookup('201')[0]?.expiresAt, T0 + 3_600_000);
    });

    it('an interval of exactly minExpires MUST be accepted', () => {
      assert.equal(send({ contacts: [`<${C1}>`], expires: '60' }).status, 200);
    });

    it('it MUST answer 423 with Min-Expires when an interval is above zero but below the minimum, and store nothing', () => {
      const res = send({ contacts: [`<${C1}>`, `<${C2}>;expires=30`], expires: '600' });
      assert.equal(res.status, 423);
      assert.equal(res.reason, 'Interval Too Brief');
      assert.equal(res.headers.get('Min-Expires'), '60');
      assert.deepEqual(location.lookup('201'), []);
    });

    it('Contact header parameters other than "expires" MUST be kept with the binding and echoed', () => {
      const instance = '+sip.instance="<urn:uuid:00000000-0000-1000-8000-000a95a0e128>"';
      const res = send({ contacts: [`<${C1}>;${instance};reg-id=1;expires=600`] });
      assert.equal(location.lookup('201')[0]?.params, `;${instance};reg-id=1`);
      assert.deepEqual(res.headers.getAll('Contact'), [`<${C1}>;${instance};reg-id=1;expires=600`]);
    });

    it('the 200 MUST list every current binding of the AOR with its remaining time (step 8)', () => {
      send({ contacts: [`<${C1}>`], expires: '3600', callId: 'phone-a' });
      mock.timers.tick(600_000);
      const res = send({ contacts: [`<${C2}>`], expires: '1800', callId: 'phone-b' });
      assert.deepEqual(contactsOf(res), { [C1]: '3000', [C2]: '1800' });
    });

    it('a REGISTER without Contact MUST be answered with the current bindings and change nothing', () => {
      send({ contacts: [`<${C1}>`], expires: '600' });
      const changes: string[] = [];
      location.onChange((c) => changes.push(c.kind));
      const res = send({ callId: 'query', cseq: 1 });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), { [C1]: '600' });
      assert.deepEqual(changes, []);
    });

    it('a Contact that does not parse MUST be answered 400', () => {
      const res = send({ contacts: ['<sip:201@192.0.2.10'] });
      assert.equal(res.status, 400);
      assert.deepEqual(location.lookup('201'), []);
    });
  });

  describe('refreshing and removing bindings (step 7)', () => {
    it('a newer REGISTER with the same Call-ID MUST update the binding', () => {
      send({ contacts: [`<${C1}>`], expires: '600', cseq: 1 });
      mock.timers.tick(60_000);
      const res = send({ contacts: [`<${C1}>`], expires: '900', cseq: 2 });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), { [C1]: '900' });
      assert.equal(location.lookup('201')[0]?.cseq, 2);
    });

    it('an expiration of zero MUST remove the binding (contact parameter)', () => {
      send({ contacts: [`<${C1}>`, `<${C2}>`], cseq: 1 });
      const res = send({ contacts: [`<${C1}>;expires=0`], cseq: 2 });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), { [C2]: '1800' });
    });

    it('an expiration of zero MUST remove the binding (Expires header)', () => {
      send({ contacts: [`<${C1}>`], cseq: 1 });
      const res = send({ contacts: [`<${C1}>`], expires: '0', cseq: 2 });
      assert.equal(res.status, 200);
      assert.deepEqual(res.headers.getAll('Contact'), []);
      assert.deepEqual(location.lookup('201'), []);
    });

    it('a REGISTER with the same Call-ID and a CSeq not higher than the binding’s MUST fail (500) and change nothing', () => {
      send({ contacts: [`<${C1}>`], expires: '600', cseq: 5 });
      for (const cseq of [5, 4]) {
        const res = send({ contacts: [`<${C1}>`, `<${C2}>`], expires: '0', cseq });
        assert.equal(res.status, 500, `CSeq ${cseq}`);
        assert.equal(res.headers.get('Retry-After'), '1');
      }
      assert.deepEqual(
        location.lookup('201').map((b) => [b.contact, b.cseq, b.expiresAt]),
        [[C1, 5, T0 + 600_000]],
      );
    });

    it('a REGISTER with another Call-ID MUST update the binding whatever its CSeq', () => {
      send({ contacts: [`<${C1}>`], expires: '600', cseq: 50, callId: 'before-reboot' });
      const res = send({ contacts: [`<${C1}>`], expires: '900', cseq: 1, callId: 'after-reboot' });
      assert.equal(res.status, 200);
      assert.deepEqual(contactsOf(res), { [C1]: '900' });
      assert.equal(location.lookup('201')[0]?.callId, 'after-reboot');
    });
  });

  describe('the "*" Contact (step 6)', () => {
    it('"*" with Expires: 0 MUST remove every binding of the AOR', () => {
      send({ contacts: [`<${C1}>`], callId: 'phone-a' });
      send({ contacts: [`<${C2}>`], callId: 'phone-b' });
      send({ user: '202', contacts: ['<sip:202@192.0.2.20>'], callId: 'phone-c' });
      const res = send({ contacts: ['*'], expires: '0', callId: 'phone-a', cseq: 2 });
      assert.equal(res.status, 200);
      assert.deepEqual(res.headers.getAll('Contact'), []);
      assert.deepEqual(location.lookup('201'), []);
      assert.equal(location.lookup('202').length, 1, 'other AORs are untouched');
    });

    it('"*" without Expires: 0 MUST be answered 400', () => {
      send({ contacts: [`<${C1}>`] });
      for (const expires of [undefined, '3600']) {
        const res = send({ contacts: ['*'], expires, cseq: 2 });
        assert.equal(res.status, 400, `Expires ${expires}`);
      }
      assert.equal(location.lookup('201').length, 1);
    });

    it('"*" with another Contact MUST be answered 400', () => {
      send({ contacts: [`<${C1}>`] });
      const res = send({ contacts: ['*', `<${C2}>`], expires: '0', cseq: 2 });
      assert.equal(res.status, 400);
      assert.equal(location.lookup('201').length, 1);
    });

    it(
      '"*" MUST abort and fail, removing nothing, when a binding has the same Call-ID and a CSeq not lower (step 6)',
      {},
      () => {
        send({ contacts: [`<${C1}>`], callId: 'phone-a', cseq: 1 });
        send({ contacts: [`<${C2}>`], callId: 'phone-b', cseq: 7 });
        const res = send({ contacts: ['*'], expires: '0', callId: 'phone-b', cseq: 7 });
        assert.notEqual(res.status, 200);
        assert.equal(location.lookup('201').length, 2);
      },
    );
  });

  describe('authorization and the address-of-record (steps 3 and 5)', () => {
    it('it MUST answer 403 when the authenticated user registers another extension', () => {
      const res = send({ user: '202', contacts: ['<sip:202@192.0.2.10>'] }, '201');
      assert.equal(res.status, 403);
      assert.deepEqual(location.lookup('202'), []);
    });

    it('a To URI that is not sip: or sips: MUST be answered 404', () => {
      const res = send({ to: '<tel:+15551234>', contacts: [`<${C1}>`] });
      assert.equal(res.status, 404);
    });
  });

  describe('maxContactsPerAor', () => {
    it('past the limit it MUST drop the earliest registered contacts', () => {
      send({ contacts: [`<${C1}>`], callId: 'a' });
      mock.timers.tick(1000);
      send({ contacts: [`<${C2}>`], callId: 'b' });
      mock.timers.tick(1000);
      send({ contacts: [`<${C3}>`], callId: 'c' });
      mock.timers.tick(1000);
      const res = send({ contacts: [`<${C4}>`], callId: 'd' });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(contactsOf(res)).sort(), [C2, C3, C4]);
      assert.deepEqual(
        location
          .lookup('201')
          .map((b) => b.contact)
          .sort(),
        [C2, C3, C4],
      );
    });

    it('a refresh MUST keep the original registration time, so a refreshed first contact is still the earliest', () => {
      send({ contacts: [`<${C1}>`], callId: 'a', cseq: 1 });
      mock.timers.tick(1000);
      send({ contacts: [`<${C2}>`], callId: 'b' });
      mock.timers.tick(1000);
      send({ contacts: [`<${C3}>`], callId: 'c' });
      mock.timers.tick(1000);
      send({ contacts: [`<${C1}>`], callId: 'a', cseq: 2 });
      assert.equal(location.get('201', C1)?.registeredAt, T0);
      mock.timers.tick(1000);
      send({ contacts: [`<${C4}>`], callId: 'd' });
      assert.deepEqual(
        location
          .lookup('201')
          .map((b) => b.contact)
          .sort(),
        [C2, C3, C4],
      );
    });
  });
});
