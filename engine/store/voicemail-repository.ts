import type { Database } from './database-types.js';

/** Schema step: one row per voicemail message; the audio is a WAV file named in the row. */
export function createVoicemailTable(db: Database): void {
  db.exec(`
    CREATE TABLE voicemail (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      mailbox     TEXT NOT NULL,
      caller      TEXT NOT NULL,
      caller_name TEXT,
      created_at  INTEGER NOT NULL,
      seconds     REAL NOT NULL DEFAULT 0,
      heard       INTEGER NOT NULL DEFAULT 0,
      file        TEXT NOT NULL DEFAULT '',
      recording   INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX voicemail_mailbox ON voicemail (mailbox, created_at);
  `);
}

/** One message. `recording` is true from the beep until the recording ends (or a crash interrupts it). */
export interface VoicemailMessage {
  id: number;
  mailbox: string;
  caller: string;
  callerName: string | null;
  /** Epoch milliseconds. */
  created: number;
  seconds: number;
  heard: boolean;
  /** The WAV's name inside the mailbox's folder (`<id>.wav`). */
  file: string;
  recording: boolean;
}

/** How many finished messages a mailbox holds, and how many of them nobody has listened to. */
export interface MailboxTally {
  total: number;
  unheard: number;
}

export interface NewVoicemail {
  mailbox: string;
  caller: string;
  callerName?: string | null | undefined;
  created: number;
}

interface Row {
  id: number;
  mailbox: string;
  caller: string;
  caller_name: string | null;
  created_at: number;
  seconds: number;
  heard: number;
  file: string;
  recording: number;
}

const toMessage = (r: Row): VoicemailMessage => ({
  id: r.id,
  mailbox: r.mailbox,
  caller: r.caller,
  callerName: r.caller_name,
  created: r.created_at,
  seconds: r.seconds,
  heard: r.heard !== 0,
  file: r.file,
  recording: r.recording !== 0,
});

/** Voicemail rows in SQLite. The files are the caller's business (see VoicemailBoxes). */
export class VoicemailRepository {
  private readonly insertOne;
  private readonly setFile;
  private readonly finishOne;
  private readonly heardOne;
  private readonly selectOne;
  private readonly selectBox;
  private readonly selectAll;
  private readonly deleteOne;
  private readonly countBoxes;

  constructor(private readonly db: Database) {
    this.insertOne = db.prepare(
      'INSERT INTO voicemail (mailbox, caller, caller_name, created_at) VALUES (?, ?, ?, ?)',
    );
    this.setFile = db.prepare('UPDATE voicemail SET file = ? WHERE id = ?');
    this.finishOne = db.prepare('UPDATE voicemail SET seconds = ?, recording = 0 WHERE id = ?');
    this.heardOne = db.prepare('UPDATE voicemail SET heard = ? WHERE id = ?');
    this.selectOne = db.prepare('SELECT * FROM voicemail WHERE id = ?');
    this.selectBox = db.prepare(
      'SELECT * FROM voicemail WHERE mailbox = ? ORDER BY created_at DESC, id DESC',
    );
    this.selectAll = db.prepare('SELECT * FROM voicemail ORDER BY id');
    this.deleteOne = db.prepare('DELETE FROM voicemail WHERE id = ?');
    this.countBoxes = db.prepare(
      'SELECT mailbox, COUNT(*) AS total, SUM(heard = 0) AS unheard FROM voicemail WHERE recording = 0 GROUP BY mailbox',
    );
  }

  /** A new message, marked as recording, with its file name `<id>.wav`. */
  insert(m: NewVoicemail): VoicemailMessage {
    const id = this.db.transaction(() => {
      const r = this.insertOne.run(m.mailbox, m.caller, m.callerName ?? null, m.created);
      const id = Number(r.lastInsertRowid);
      this.setFile.run(`${id}.wav`, id);
      return id;
    })();
    return this.get(id)!;
  }

  /** The recording ended: its length, and it is a message from now on. */
  finish(id: number, seconds: number): void {
    this.finishOne.run(Math.round(seconds * 10) / 10, id);
  }

  setHeard(id: number, heard: boolean): boolean {
    return this.heardOne.run(heard ? 1 : 0, id).changes > 0;
  }

  get(id: number): VoicemailMessage | undefined {
    const r = this.selectOne.get(id) as Row | undefined;
    return r ? toMessage(r) : undefined;
  }

  /** A mailbox's messages, newest first. */
  list(mailbox: string): VoicemailMessage[] {
    return (this.selectBox.all(mailbox) as Row[]).map(toMessage);
  }

  all(): VoicemailMessage[] {
    return (this.selectAll.all() as Row[]).map(toMessage);
  }

  /** Finished messages per mailbox (all, and not heard yet), in one query: the console's mailbox list. */
  counts(): Map<string, MailboxTally> {
    const rows = this.countBoxes.all() as { mailbox: string; total: number; unheard: number }[];
    return new Map(rows.map((r) => [r.mailbox, { total: r.total, unheard: r.unheard }]));
  }

  delete(id: number): boolean {
    return this.deleteOne.run(id).changes > 0;
  }
}
