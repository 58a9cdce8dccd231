import type { Database } from './database-types.js';

/** Schema step: when each user's calls go to voicemail. A user without a row has the defaults. */
export function createVoicemailSettingsTable(db: Database): void {
  db.exec(`
    CREATE TABLE voicemail_settings (
      extension      TEXT PRIMARY KEY,
      ring_seconds   INTEGER NOT NULL,
      on_no_answer   INTEGER NOT NULL,
      on_busy        INTEGER NOT NULL,
      on_unavailable INTEGER NOT NULL
    );
  `);
}

/**
 * When a call to an extension goes to its voicemail instead: nobody answers within `ringSeconds`, the
 * phone says busy (486/600/603, the reject key), or no phone is registered or reachable.
 */
export interface VoicemailSettings {
  ringSeconds: number;
  onNoAnswer: boolean;
  onBusy: boolean;
  onUnavailable: boolean;
}

/** What an office expects without setting anything: 20 s of ringing, then voicemail, in every case. */
export const DEFAULT_VOICEMAIL_SETTINGS: Readonly<VoicemailSettings> = Object.freeze({
  ringSeconds: 20,
  onNoAnswer: true,
  onBusy: true,
  onUnavailable: true,
});

interface Row {
  extension: string;
  ring_seconds: number;
  on_no_answer: number;
  on_busy: number;
  on_unavailable: number;
}

/**
 * The `voicemail_settings` table, cached in memory: the proxy asks on every call to an extension, and
 * the table changes only when an administrator saves.
 */
export class VoicemailSettingsRepository {
  private readonly cache = new Map<string, VoicemailSettings>();
  private readonly upsert;
  private readonly deleteOne;

  constructor(db: Database) {
    for (const r of db.prepare<[], Row>('SELECT * FROM voicemail_settings').all())
      this.cache.set(r.extension, {
        ringSeconds: r.ring_seconds,
        onNoAnswer: r.on_no_answer !== 0,
        onBusy: r.on_busy !== 0,
        onUnavailable: r.on_unavailable !== 0,
      });
    this.upsert = db.prepare<Row>(
      `INSERT INTO voicemail_settings (extension, ring_seconds, on_no_answer, on_busy, on_unavailable)
       VALUES (@extension, @ring_seconds, @on_no_answer, @on_busy, @on_unavailable)
       ON CONFLICT (extension) DO UPDATE SET ring_seconds = excluded.ring_seconds,
         on_no_answer = excluded.on_no_answer, on_busy = excluded.on_busy,
         on_unavailable = excluded.on_unavailable`,
    );
    this.deleteOne = db.prepare<[string]>('DELETE FROM voicemail_settings WHERE extension = ?');
  }

  /** The user's settings, or the defaults. */
  get(extension: string): VoicemailSettings {
    return this.cache.get(extension) ?? { ...DEFAULT_VOICEMAIL_SETTINGS };
  }

  set(extension: string, s: VoicemailSettings): void {
    this.upsert.run({
      extension,
      ring_seconds: s.ringSeconds,
      on_no_answer: s.onNoAnswer ? 1 : 0,
      on_busy: s.onBusy ? 1 : 0,
      on_unavailable: s.onUnavailable ? 1 : 0,
    });
    this.cache.set(extension, { ...s });
  }

  /** Back to the defaults (the user was deleted). */
  delete(extension: string): void {
    this.deleteOne.run(extension);
    this.cache.delete(extension);
  }
}
