import type { Database } from './database-types.js';

/** Key/value settings (admin password hash, console preferences) in the `settings` table. */
export class SettingsStore {
  private readonly selectOne;
  private readonly upsert;
  private readonly deleteOne;

  constructor(db: Database) {
    this.selectOne = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.upsert = db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.deleteOne = db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
  }

  get(key: string): string | undefined {
    return this.selectOne.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.upsert.run(key, value);
  }

  delete(key: string): boolean {
    return this.deleteOne.run(key).changes > 0;
  }
}
