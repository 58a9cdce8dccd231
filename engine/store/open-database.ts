import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../log/index.js';
import type { Database } from './database-types.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from './migrations.js';
import { runMigrations, schemaVersion } from './migrate.js';

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating it and its folder if needed) the engine's database and migrates it to the latest
 * schema. `migrations` is for tests that need a database at an older version.
 */
export function openDatabase(
  file: string,
  log: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // safe with WAL: a power cut may lose the last commits, never corrupts
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const from = schemaVersion(db);
    runMigrations(db, migrations, log);
    log.info('database open', { file, from, version: schemaVersion(db) });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
