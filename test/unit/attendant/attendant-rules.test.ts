// The auto-attendant's pure rules: reading a menu entry key by key (the "key 1 or extension 101?"
// ambiguity), business hours in a time zone, and the configuration's validation naming each field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultAttendantConfig, type AttendantMenu } from '../../../engine/attendant/attendant-config.js';
import { applyAttendantUpdate } from '../../../engine/attendant/attendant-validation.js';
import { isOpen } from '../../../engine/attendant/business-hours.js';
import { decideEntry } from '../../../engine/attendant/menu-entry.js';
import { ValidationError } from '../../../engine/directory/directory-errors.js';

const menu: AttendantMenu = {
  greeting: 'aa-welcome',
  digits: { '1': { type: 'extension', extension: '201' }, '9': { type: 'hangup' } },
  dialByExtension: true,
  onTimeout: { type: 'operator' },
  onInvalid: { type: 'operator' },
};
const exts = ['101', '201', '2010', '300'];

describe('menu entry', () => {
  it('acts at once on a key no extension starts with', () => {
    assert.deepEqual(decideEntry('9', false, menu, null, exts), {
      kind: 'go',
      destination: { type: 'hangup' },
    });
  });
  it('waits on a key that may start an extension, and a pause chooses the key', () => {
    assert.deepEqual(decideEntry('1', false, menu, null, exts), { kind: 'wait', ambiguous: true });
    assert.deepEqual(decideEntry('1', true, menu, null, exts), {
      kind: 'go',
      destination: { type: 'extension', extension: '201' },
    });
    assert.deepEqual(decideEntry('10', false, menu, null, exts), { kind: 'wait', ambiguous: false });
    assert.deepEqual(decideEntry('101', false, menu, null, exts), {
      kind: 'go',
      destination: { type: 'extension', extension: '101' },
    });
  });
  it('waits on an extension that a longer one starts with; # or a pause takes it', () => {
    assert.deepEqual(decideEntry('201', false, menu, null, exts), { kind: 'wait', ambiguous: true });
    assert.deepEqual(decideEntry('201', true, menu, null, exts), {
      kind: 'go',
      destination: { type: 'extension', extension: '201' },
    });
  });
  it('refuses as soon as no extension can match, and an unmapped key', () => {
    assert.deepEqual(decideEntry('19', false, menu, null, exts), { kind: 'invalid' });
    assert.deepEqual(decideEntry('5', false, menu, null, exts), { kind: 'invalid' });
    assert.deepEqual(decideEntry('20', true, menu, null, exts), { kind: 'invalid' });
  });
  it('0 is the operator only when there is one; without dial-by-extension keys act at once', () => {
    assert.deepEqual(decideEntry('0', false, menu, null, exts), { kind: 'invalid' });
    assert.deepEqual(decideEntry('0', false, menu, '300', exts), {
      kind: 'go',
      destination: { type: 'operator' },
    });
    const keysOnly = { ...menu, dialByExtension: false };
    assert.deepEqual(decideEntry('1', false, keysOnly, null, exts).kind, 'go');
    assert.deepEqual(decideEntry('3', false, keysOnly, null, exts).kind, 'invalid');
  });
});

describe('business hours', () => {
  const schedule = { mon: [{ from: '09:00', to: '17:00' }], tue: [] };
  // 2025-06-02 is a Monday; Berlin is UTC+2 in June.
  it('reads the schedule in the given zone', () => {
    const cfg = { schedule, holidays: [], timeZone: 'Europe/Berlin' };
    assert.equal(isOpen(cfg, new Date('2025-06-02T07:00:00Z'), 'UTC'), true); // 09:00 Berlin
    assert.equal(isOpen(cfg, new Date('2025-06-02T06:59:00Z'), 'UTC'), false);
    assert.equal(isOpen(cfg, new Date('2025-06-02T15:00:00Z'), 'UTC'), false); // 17:00: closed
    assert.equal(isOpen(cfg, new Date('2025-06-03T10:00:00Z'), 'UTC'), false); // Tuesday: []
    assert.equal(isOpen(cfg, new Date('2025-06-04T10:00:00Z'), 'UTC'), false); // Wednesday: absent
  });
  it('uses the engine zone when none is set, holidays close, no schedule is always open', () => {
    assert.equal(
      isOpen({ schedule, holidays: [], timeZone: null }, new Date('2025-06-02T16:30:00Z'), 'UTC'),
      true,
    );
    assert.equal(
      isOpen({ schedule, holidays: ['2025-06-02'], timeZone: null }, new Date('2025-06-02T10:00:00Z'), 'UTC'),
      false,
    );
    assert.equal(
      isOpen({ schedule: null, holidays: ['2025-06-02'], timeZone: null }, new Date(), 'UTC'),
      true,
    );
  });
});

describe('configuration rules', () => {
  const ctx = { hasExtension: (e: string) => e === '201', hasPrompt: (n: string) => n.startsWith('aa-') };
  const fieldOf = (body: Record<string, unknown>): string => {
    try {
      applyAttendantUpdate(defaultAttendantConfig(), body, ctx);
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      assert.ok(err.message.startsWith(`${err.field}: `), err.message);
      return err.field;
    }
    return '(accepted)';
  };
  it('names the field of each problem', () => {
    assert.equal(fieldOf({ digits: { '3': { type: 'extension', extension: '205' } } }), 'digits.3');
    assert.equal(fieldOf({ afterHours: { digits: { '12': { type: 'hangup' } } } }), 'afterHours.digits.12');
    assert.equal(fieldOf({ schedule: { mon: [{ from: '18:00', to: '09:00' }] } }), 'schedule.mon.0.to');
    assert.equal(fieldOf({ holidays: ['2025-02-30'] }), 'holidays.0');
    assert.equal(fieldOf({ extension: '201' }), 'extension');
    assert.equal(fieldOf({ colour: 'red' }), 'colour');
    assert.equal(fieldOf({ onTimeout: { type: 'extension', extension: '201', x: 1 } }), 'onTimeout.x');
    assert.equal(fieldOf({ digits: { '1': { type: 'extension', extension: '201' } } }), '(accepted)');
  });
  it('keeps what a PUT leaves out', () => {
    const c = applyAttendantUpdate(defaultAttendantConfig(), { operator: '201' }, ctx);
    const d = applyAttendantUpdate(c, { maxTries: 2 }, ctx);
    assert.equal(d.operator, '201');
    assert.equal(d.maxTries, 2);
    assert.equal(d.afterHours.greeting, 'aa-closed');
  });
});
