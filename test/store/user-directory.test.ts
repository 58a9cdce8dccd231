import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ImportError,
  UserDirectory,
  UserExistsError,
  UserNotFoundError,
  ValidationError,
} from '../../engine/directory/index.js';
import type { UserChange } from '../../engine/directory/index.js';
import { LogRoot } from '../../engine/log/index.js';
import { openDatabase } from '../../engine/store/index.js';
import type { Database } from '../../engine/store/index.js';
import { tempDir } from './temp-dir.js';

const log = new LogRoot('silent').logger('directory');

describe('UserDirectory', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Database;
  let dir: UserDirectory;
  let changes: UserChange[];
  let clock: number;

  const open = (): void => {
    db = openDatabase(tmp.file('pbx.db'), log);
    dir = new UserDirectory(db, log, () => clock);
    changes = [];
    dir.onChange((c) => changes.push(c));
  };
  const rowsInDb = () =>
    db
      .prepare<[], { extension: string }>('SELECT extension FROM users ORDER BY extension')
      .all()
      .map((r) => r.extension);

  beforeEach(() => {
    tmp = tempDir();
    clock = 1_700_000_000_000;
    open();
  });
  afterEach(() => {
    db.close();
    tmp.remove();
  });

  it('creates a user: written to SQLite, in the map, listeners told; secret and PIN generated', () => {
    const u = dir.create({ extension: '201', name: 'Anna' });
    assert.equal(dir.get('201'), u);
    assert.equal(dir.count(), 1);
    assert.deepEqual(rowsInDb(), ['201']);
    assert.match(u.secret, /^[A-HJ-NP-Za-km-z2-9]{20}$/);
    assert.match(u.voicemailPin, /^\d{6}$/);
    assert.equal(u.email, '');
    assert.equal(u.createdAt, clock);
    assert.deepEqual(changes, [{ kind: 'created', user: u }]);
    assert.ok(Object.isFrozen(u), 'the map hands out frozen users');
  });

  it('refuses a duplicate extension, naming it', () => {
    dir.create({ extension: '201', name: 'Anna' });
    assert.throws(
      () => dir.create({ extension: '201', name: 'Other' }),
      (err: unknown) => {
        assert.ok(err instanceof UserExistsError && err instanceof ValidationError);
        assert.equal(err.field, 'extension');
        assert.equal(err.message, 'extension 201 already exists');
        return true;
      },
    );
    assert.equal(dir.get('201')?.name, 'Anna');
    assert.equal(changes.length, 1);
  });

  it('refuses a secret equal to the extension', () => {
    assert.throws(() => dir.create({ extension: '20120120', name: 'A', secret: '20120120' }), {
      field: 'secret',
    });
    assert.equal(dir.count(), 0);
  });

  it('updates part of a user; listeners get before and after; a no-op change is silent', () => {
    const before = dir.create({ extension: '201', name: 'Anna', secret: 'first-secret' });
    clock += 1000;
    const after = dir.update('201', { name: 'Anna Berg', email: 'anna@example.com' });
    assert.equal(after.name, 'Anna Berg');
    assert.equal(after.secret, 'first-secret');
    assert.equal(after.updatedAt, clock);
    assert.equal(after.createdAt, before.createdAt);
    assert.equal(dir.get('201'), after);
    assert.deepEqual(changes[1], { kind: 'updated', user: after, previous: before });
    assert.equal(dir.update('201', { name: 'Anna Berg', extension: '201' }), after);
    assert.equal(changes.length, 2);
  });

  it('refuses to move an extension, unknown extensions and bad fields on update', () => {
    dir.create({ extension: '201', name: 'Anna' });
    assert.throws(() => dir.update('201', { extension: '202' }), {
      field: 'extension',
      message: /cannot be changed/,
    });
    assert.throws(() => dir.update('999', { name: 'X' }), UserNotFoundError);
    assert.throws(() => dir.update('201', { name: '' }), { field: 'name' });
    assert.equal(dir.get('201')?.name, 'Anna');
  });

  it('deletes a user from SQLite and the map and tells listeners', () => {
    const u = dir.create({ extension: '201', name: 'Anna' });
    assert.equal(dir.delete('201'), u);
    assert.equal(dir.get('201'), undefined);
    assert.deepEqual(rowsInDb(), []);
    assert.deepEqual(changes[1], { kind: 'deleted', user: u });
    assert.throws(() => dir.delete('201'), { message: 'there is no extension 201' });
  });

  it('keeps everything across reopening the database', () => {
    const a = dir.create({ extension: '201', name: 'Anna', email: 'anna@example.com', voicemailPin: '0042' });
    dir.create({ extension: '202', name: 'Ben' });
    dir.update('202', { name: 'Benedikt' });
    dir.create({ extension: '203', name: 'Cleo' });
    dir.delete('203');
    db.close();
    open();
    assert.equal(dir.count(), 2);
    assert.deepEqual(dir.get('201'), a);
    assert.equal(dir.get('202')?.name, 'Benedikt');
    assert.equal(dir.get('203'), undefined);
  });

  it('lists in dialling order and searches extension, name and email', () => {
    for (const [extension, name] of [
      ['1000', 'Zoe'],
      ['202', 'Ben'],
      ['201', 'Anna'],
    ] as const)
      dir.create({ extension, name });
    dir.update('202', { email: 'ben@example.com' });
    assert.deepEqual(
      dir.list().map((u) => u.extension),
      ['201', '202', '1000'],
    );
    assert.deepEqual(
      dir.search('ANN').map((u) => u.extension),
      ['201'],
    );
    assert.deepEqual(
      dir.search('example').map((u) => u.extension),
      ['202'],
    );
    assert.deepEqual(
      dir.search('100').map((u) => u.extension),
      ['1000'],
    );
    assert.equal(dir.search('').length, 3);
  });

  it('imports all rows in one transaction', () => {
    const users = dir.importMany([
      { extension: '301', name: 'A' },
      { extension: '302', name: 'B', secret: 'given-secret' },
    ]);
    assert.equal(users.length, 2);
    assert.deepEqual(rowsInDb(), ['301', '302']);
    assert.equal(dir.get('302')?.secret, 'given-secret');
    assert.deepEqual(
      changes.map((c) => [c.kind, c.user.extension]),
      [
        ['created', '301'],
        ['created', '302'],
      ],
    );
  });

  it('imports nothing when any row is wrong, and lists every problem by row', () => {
    dir.create({ extension: '201', name: 'Existing' });
    changes = [];
    assert.throws(
      () =>
        dir.importMany([
          { extension: '301', name: 'Good' },
          { extension: '3x', name: '' },
          { extension: '201', name: 'Clash' },
          { extension: '301', name: 'Twice' },
        ]),
      (err: unknown) => {
        assert.ok(err instanceof ImportError);
        assert.deepEqual(
          err.rows.map((r) => [r.index, r.field]),
          [
            [1, 'extension'],
            [1, 'name'],
            [2, 'extension'],
            [3, 'extension'],
          ],
        );
        assert.match(err.rows[2]!.message, /extension 201 already exists/);
        assert.match(err.rows[3]!.message, /more than once/);
        return true;
      },
    );
    assert.deepEqual(rowsInDb(), ['201']);
    assert.equal(dir.get('301'), undefined);
    assert.deepEqual(changes, []);
  });

  it('a failing listener does not stop the others or undo the change', () => {
    const seen: string[] = [];
    dir.onChange(() => {
      throw new Error('listener bug');
    });
    const off = dir.onChange((c) => seen.push(c.user.extension));
    dir.create({ extension: '201', name: 'Anna' });
    off();
    dir.create({ extension: '202', name: 'Ben' });
    assert.deepEqual(seen, ['201']);
    assert.equal(dir.count(), 2);
  });
});
