import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { LogRoot } from '../../engine/log/index.js';
import { MIGRATIONS, MigrationError, openDatabase, schemaVersion } from '../../engine/store/index.js';
import type { Migration } from '../../engine/store/index.js';
import { tempDir } from './temp-dir.js';

const log = new LogRoot('silent').logger('store');

describe('database and migrations', () => {
  let tmp = tempDir();
  afterEach(() => {
    tmp.remove();
    tmp = tempDir();
  });

  it('creates the folder and the file, sets the pragmas and applies every migration', () => {
    const db = openDatabase(tmp.file('nested/deeper/pbx.db'), log);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.ok((db.pragma('busy_timeout', { simple: true }) as number) > 0);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name);
    assert.ok(tables.includes('users') && tables.includes('settings'), tables.join(','));
    db.close();
  });

  it('upgrades a version-1 database in place and keeps its data', () => {
    const file = tmp.file('pbx.db');
    const v1 = openDatabase(file, log, MIGRATIONS.slice(0, 1));
    assert.equal(schemaVersion(v1), 1);
    v1.prepare(
      'INSERT INTO users (extension, name, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ).run('201', 'Anna', 'secret-201', 1, 2);
    v1.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', 'v');
    v1.close();

    // Everything released so far, plus one more step standing for the next release's migration.
    const next: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'test: department column',
      up: (db) => db.exec("ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT 'sales'"),
    };
    const upgraded = openDatabase(file, log, [...MIGRATIONS, next]);
    assert.equal(schemaVersion(upgraded), MIGRATIONS.length + 1);
    const row = upgraded.prepare('SELECT extension, name, secret, department FROM users').get();
    assert.deepEqual(row, { extension: '201', name: 'Anna', secret: 'secret-201', department: 'sales' });
    assert.deepEqual(upgraded.prepare('SELECT value FROM settings WHERE key = ?').get('k'), { value: 'v' });
    upgraded.close();

    // Reopening at the same version applies nothing again.
    const again = openDatabase(file, log, [...MIGRATIONS, next]);
    assert.equal(schemaVersion(again), MIGRATIONS.length + 1);
    again.close();
  });

  it('leaves the database at the last whole step when a migration fails', () => {
    const file = tmp.file('pbx.db');
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'test: half done',
      up: (db) => {
        db.exec('CREATE TABLE half (x INTEGER)');
        db.exec('THIS IS NOT SQL');
      },
    };
    assert.throws(
      () => openDatabase(file, log, [...MIGRATIONS, broken]),
      (err: unknown) => {
        assert.ok(err instanceof MigrationError);
        assert.match(err.message, /half done/);
        return true;
      },
    );
    const db = openDatabase(file, log);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get(), {
      n: 0,
    });
    db.close();
  });

  it('refuses a database written by a newer version', () => {
    const file = tmp.file('pbx.db');
    openDatabase(file, log).close();
    const future = openDatabase(file, log, [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'future', up: () => {} },
    ]);
    future.close();
    assert.throws(() => openDatabase(file, log), /newer than this program/);
  });

  it('refuses a migration list with gaps or out of order', () => {
    const bad: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 2, name: 'gap', up: () => {} }];
    assert.throws(() => openDatabase(tmp.file('pbx.db'), log, bad), /expected/);
  });
});
