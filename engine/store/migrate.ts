import type { Logger } from '../log/index.js';
import type { Database } from './database-types.js';
import type { Migration } from './migration.js';

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Reads `PRAGMA user_version`: the last migration applied (0 for a new database). */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(`migration "${m.name}" has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/**
 * Brings the schema up to the last migration, each step in its own transaction together with the
 * version bump, so a crash leaves the database at a whole step. Returns the versions applied.
 */
export function runMigrations(db: Database, migrations: readonly Migration[], log: Logger): number[] {
  checkOrder(migrations);
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) {
    throw new MigrationError(
      `the database is at schema version ${current}, newer than this program (${latest}); ` +
        'it was written by a newer OfficePBX — install that version again',
    );
  }
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    const step = db.transaction(() => {
      m.up(db);
      // PRAGMA takes no bound parameters; the version is an integer from our own table, never input.
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step();
    } catch (err) {
      throw new MigrationError(`migration ${m.version} ("${m.name}") failed: ${String(err)}`, { cause: err });
    }
    log.info('migration applied', { version: m.version, name: m.name });
    applied.push(m.version);
  }
  return applied;
}
