/** The location service (RFC 3261 §10.2): address-of-record → contacts, written through to storage. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Binding, BindingPersistence } from '../../../../engine/sip/location/binding.js';
import { LocationService, type LocationChange } from '../../../../engine/sip/location/location-service.js';
import { flow } from '../../support/sip-fixtures.js';

const NOW = Date.now();

function binding(o: Partial<Binding> = {}): Binding {
  return {
    aor: '201',
    contact: 'sip:201@192.0.2.10:5060',
    params: '',
    callId: 'reg-1',
    cseq: 1,
    expiresAt: NOW + 3_600_000,
    registeredAt: NOW,
    flow: flow(),
    userAgent: 'unit',
    reachable: null,
    ...o,
  };
}

class RecordingPersistence implements BindingPersistence {
  readonly calls: string[] = [];
  constructor(private readonly stored: Binding[] = []) {}
  loadAll(): Binding[] {
    this.calls.push('loadAll');
    return this.stored;
  }
  save(b: Binding): void {
    this.calls.push(`save ${b.aor} ${b.contact}`);
  }
  remove(aor: string, contact: string): void {
    this.calls.push(`remove ${aor} ${contact}`);
  }
  removeAll(aor: string): void {
    this.calls.push(`removeAll ${aor}`);
  }
}

const services: LocationService[] = [];
function service(persistence?: BindingPersistence) {
  const s = new LocationService(persistence);
  services.push(s);
  const changes: string[] = [];
  s.onChange((c: LocationChange) => changes.push(`${c.kind} ${c.binding.aor} ${c.binding.contact}`));
  return { s, changes };
}
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

describe('LocationService (RFC 3261 §10.2)', () => {
  it('upsert() of a new contact MUST add the binding, persist it and announce "added"', () => {
    const p = new RecordingPersistence();
    const { s, changes } = service(p);
    const b = binding();
    s.upsert(b);
    assert.deepEqual(s.lookup('201'), [b]);
    assert.deepEqual(changes, ['added 201 sip:201@192.0.2.10:5060']);
    assert.deepEqual(p.calls, ['loadAll', 'save 201 sip:201@192.0.2.10:5060']);
  });

  it('upsert() of a known contact MUST replace the binding, persist it and announce "refreshed"', () => {
    const p = new RecordingPersistence();
    const { s, changes } = service(p);
    s.upsert(binding({ cseq: 1 }));
    const refreshed = binding({ cseq: 2, expiresAt: NOW + 7_200_000 });
    s.upsert(refreshed);
    assert.deepEqual(s.lookup('201'), [refreshed]);
    assert.equal(s.size, 1);
    assert.deepEqual(changes.at(-1), 'refreshed 201 sip:201@192.0.2.10:5060');
    assert.equal(p.calls.filter((c) => c.startsWith('save')).length, 2);
  });

  it('contacts MUST compare with scheme and host case-insensitive and the user part case-sensitive (§19.1.4)', () => {
    const { s, changes } = service();
    s.upsert(binding({ contact: 'sip:Alice@PHONE.example:5060' }));
    s.upsert(binding({ contact: 'SIP:Alice@phone.EXAMPLE:5060' }));
    assert.equal(s.lookup('201').length, 1);
    s.upsert(binding({ contact: 'sip:alice@phone.example:5060' }));
    assert.equal(s.lookup('201').length, 2);
    assert.deepEqual(
      changes.map((c) => c.split(' ')[0]),
      ['added', 'refreshed', 'added'],
    );
  });

  it('an AOR MAY hold several contacts', () => {
    const { s } = service();
    s.upsert(binding({ contact: 'sip:201@192.0.2.10:5060' }));
    s.upsert(binding({ contact: 'sip:201@192.0.2.11:5060' }));
    assert.deepEqual(
      s.lookup('201').map((b) => b.contact),
      ['sip:201@192.0.2.10:5060', 'sip:201@192.0.2.11:5060'],
    );
    assert.deepEqual(s.lookup('202'), []);
  });

  it('remove() MUST drop the binding, delete it from storage and announce "removed"', () => {
    const p = new RecordingPersistence();
    const { s, changes } = service(p);
    s.upsert(binding());
    s.remove('201', 'sip:201@192.0.2.10:5060');
    assert.deepEqual(s.lookup('201'), []);
    assert.equal(s.size, 0);
    assert.equal(s.findByContact('sip:201@192.0.2.10:5060'), undefined);
    assert.deepEqual(changes.at(-1), 'removed 201 sip:201@192.0.2.10:5060');
    assert.deepEqual(p.calls.at(-1), 'remove 201 sip:201@192.0.2.10:5060');
  });

  it('remove() of an unknown contact MUST change nothing', () => {
    const p = new RecordingPersistence();
    const { s, changes } = service(p);
    s.upsert(binding());
    s.remove('201', 'sip:201@192.0.2.99');
    s.remove('999', 'sip:201@192.0.2.10:5060');
    assert.equal(s.lookup('201').length, 1);
    assert.deepEqual(changes, ['added 201 sip:201@192.0.2.10:5060']);
    assert.ok(!p.calls.some((c) => c.startsWith('remove')));
  });

  it('removeAll() MUST drop every binding of the AOR only', () => {
    const { s, changes } = service();
    s.upsert(binding({ contact: 'sip:201@192.0.2.10' }));
    s.upsert(binding({ contact: 'sip:201@192.0.2.11' }));
    s.upsert(binding({ aor: '202', contact: 'sip:202@192.0.2.12' }));
    s.removeAll('201');
    assert.deepEqual(s.lookup('201'), []);
    assert.equal(s.lookup('202').length, 1);
    assert.equal(changes.filter((c) => c.startsWith('removed')).length, 2);
  });

  it('lookup() and all() MUST ignore bindings whose expiry has passed, even before they are swept', () => {
    const { s } = service();
    s.upsert(binding({ contact: 'sip:201@192.0.2.10', expiresAt: NOW + 1000 }));
    s.upsert(binding({ contact: 'sip:201@192.0.2.11', expiresAt: NOW + 5000 }));
    assert.equal(s.lookup('201', NOW + 999).length, 2);
    assert.deepEqual(
      s.lookup('201', NOW + 1000).map((b) => b.contact),
      ['sip:201@192.0.2.11'],
    );
    assert.equal(s.all(NOW + 1000).length, 1);
    assert.deepEqual(s.lookup('201', NOW + 5000), []);
  });

  it('expire() MUST remove the expired bindings, from storage too, and announce "expired"', () => {
    const p = new RecordingPersistence();
    const { s, changes } = service(p);
    s.upsert(binding({ contact: 'sip:201@192.0.2.10', expiresAt: NOW + 1000 }));
    s.upsert(binding({ contact: 'sip:201@192.0.2.11', expiresAt: NOW + 5000 }));
    s.upsert(binding({ aor: '202', contact: 'sip:202@192.0.2.12', expiresAt: NOW + 500 }));
    s.expire(NOW + 1000);
    assert.deepEqual(changes.slice(3).sort(), [
      'expired 201 sip:201@192.0.2.10',
      'expired 202 sip:202@192.0.2.12',
    ]);
    assert.ok(p.calls.includes('remove 201 sip:201@192.0.2.10'));
    assert.ok(p.calls.includes('remove 202 sip:202@192.0.2.12'));
    assert.equal(s.size, 1);
    assert.equal(s.lookup('201', NOW).length, 1, 'expired bindings are gone, not merely hidden');
  });

  it('findByContact() MUST find a current binding by its contact URI, and not an expired one', () => {
    const { s } = service();
    const live = binding({ contact: 'sip:201@192.0.2.10:5060;transport=tcp' });
    s.upsert(live);
    s.upsert(binding({ aor: '202', contact: 'sip:202@192.0.2.12', expiresAt: Date.now() - 1 }));
    assert.deepEqual(s.findByContact('sip:201@192.0.2.10:5060;transport=tcp'), live);
    assert.deepEqual(s.findByContact('SIP:201@192.0.2.10:5060;transport=TCP'), live);
    assert.equal(s.findByContact('sip:202@192.0.2.12'), undefined);
    assert.equal(s.findByContact('sip:203@192.0.2.13'), undefined);
  });

  it('get() MUST return the binding of one AOR and contact', () => {
    const { s } = service();
    const b = binding();
    s.upsert(b);
    assert.deepEqual(s.get('201', 'sip:201@192.0.2.10:5060'), b, 'a compact copy with the same values');
    assert.equal(s.get('202', 'sip:201@192.0.2.10:5060'), undefined);
  });

  it('at start it MUST load the stored bindings that are still current and delete the expired ones from storage', () => {
    const current = binding({ contact: 'sip:201@192.0.2.10' });
    const stale = binding({ contact: 'sip:201@192.0.2.11', expiresAt: Date.now() - 1000 });
    const p = new RecordingPersistence([current, stale]);
    const { s, changes } = service(p);
    assert.deepEqual(s.lookup('201'), [current]);
    assert.deepEqual(p.calls, ['loadAll', 'remove 201 sip:201@192.0.2.11']);
    assert.deepEqual(changes, [], 'loading is not a change');
  });

  it('a refresh MUST keep the strings and flow of the binding it refreshes, and share user agents', () => {
    const { s } = service();
    s.upsert(binding({ callId: 'call-id-longer-than-13' }));
    const first = s.get('201', 'sip:201@192.0.2.10:5060')!;
    s.upsert(binding({ callId: 'call-id-longer-than-13', cseq: 2 }));
    const second = s.get('201', 'sip:201@192.0.2.10:5060')!;
    assert.notEqual(second, first, 'a new binding object');
    assert.equal(second.cseq, 2);
    assert.equal(second.flow, first.flow, 'the same flow object is kept');
    s.upsert(binding({ aor: '202', contact: 'sip:202@192.0.2.12' }));
    assert.equal(s.get('202', 'sip:202@192.0.2.12')!.userAgent, 'unit');
  });

  it('a contact registered by two extensions MUST stay findable until both bindings are gone', {}, () => {
    const { s } = service();
    const shared = 'sip:192.0.2.10:5060';
    const first = binding({ aor: '201', contact: shared });
    s.upsert(first);
    s.upsert(binding({ aor: '202', contact: shared }));
    assert.equal(s.size, 2);
    s.remove('202', shared);
    assert.deepEqual(s.findByContact(shared), first);
  });
});
