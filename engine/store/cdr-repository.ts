import type BetterSqlite3 from 'better-sqlite3';
import { ValidationError } from '../directory/directory-errors.js';
import type { CallMediaStats, StreamStats } from '../media/relay-driver.js';
import type { Disposition } from '../sip/calls/call-record.js';
import type { Database } from './database-types.js';

export type { Disposition };

/** Every disposition a record may have (DESIGN.md), in the order the console lists them. */
export const CDR_DISPOSITIONS: readonly Disposition[] = [
  'ANSWERED',
  'NO ANSWER',
  'BUSY',
  'FAILED',
  'VOICEMAIL',
];

/** Page size when none is asked for, and the largest page. */
export const CDR_DEFAULT_LIMIT = 100;
export const CDR_MAX_LIMIT = 1000;

/** Rows read per query while exporting: the connection is never held between two chunks. */
const EXPORT_CHUNK = 1000;

/** One finished call as the engine hands it over (times in epoch milliseconds). */
export interface NewCdr {
  callId: string;
  caller: string;
  callee: string;
  start: number;
  /** When the call was answered; absent for calls that never were. */
  answer?: number | undefined;
  end: number;
  disposition: Disposition;
  /** Final SIP status of the INVITE, or the status that ended the call. */
  status?: number | undefined;
  endReason?: string | undefined;
  /** The relay's per-stream statistics; absent when the call had no media (or it is unknown). */
  media?: CallMediaStats['streams'] | undefined;
}

/** A call record as the API shows it: times in ISO 8601, durations in whole seconds. */
export interface CdrRecord {
  id: number;
  callId: string;
  caller: string;
  callee: string;
  start: string;
  answer: string | null;
  end: string;
  /** Seconds from start to end. */
  duration: number;
  /** Seconds from answer to end; 0 for a call that was not answered. */
  billsec: number;
  disposition: Disposition;
  status: number | null;
  endReason: string | null;
  /** Per stream and per direction: packets, bytes, lost, jitter, source. null when unknown. */
  media: StreamStats[] | null;
}

/** What to look for; every field narrows the result (all of them together: AND). */
export interface CdrSearch {
  /** Exact caller (extension or user part). */
  from?: string | undefined;
  /** Exact callee. */
  to?: string | undefined;
  /** Calls the extension made or received. */
  extension?: string | undefined;
  disposition?: Disposition | undefined;
  /** Calls that started at or after this time (epoch ms). */
  since?: number | undefined;
  /** Calls that started before this time (epoch ms; the range is since ≤ start < until). */
  until?: number | undefined;
}

export interface CdrFilter extends CdrSearch {
  /** Records per page: 100 by default, at most 1000. */
  limit?: number | undefined;
  /** `nextCursor` of the previous page, unchanged. */
  cursor?: string | undefined;
}

export interface CdrPage {
  records: CdrRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

interface CdrRow {
  id: number;
  call_id: string;
  caller: string;
  callee: string;
  start: number;
  answer: number | null;
  end: number;
  duration: number;
  billsec: number;
  disposition: Disposition;
  status: number | null;
  end_reason: string | null;
  media: string | null;
}

/** Where a page starts: just after (older than) this record. */
interface CursorPosition {
  start: number;
  id: number;
}

const CURSOR_PREFIX = 'cdr1:';

function encodeCursor(p: CursorPosition): string {
  return Buffer.from(`${CURSOR_PREFIX}${p.start}:${p.id}`).toString('base64url');
}

/** The position in a cursor, or null when it is not one this repository wrote. */
export function decodeCdrCursor(cursor: string): CursorPosition | null {
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^cdr1:(-?\d{1,16}):(\d{1,16})$/.exec(text);
  if (!m) return null;
  const p = { start: Number(m[1]), id: Number(m[2]) };
  return Number.isSafeInteger(p.start) && Number.isSafeInteger(p.id) ? p : null;
}

function msToIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function parseMedia(json: string | null): StreamStats[] | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as StreamStats[]) : null;
  } catch {
    return null;
  }
}

function fromRow(r: CdrRow): CdrRecord {
  return {
    id: r.id,
    callId: r.call_id,
    caller: r.caller,
    callee: r.callee,
    start: new Date(r.start).toISOString(),
    answer: msToIso(r.answer),
    end: new Date(r.end).toISOString(),
    duration: r.duration,
    billsec: r.billsec,
    disposition: r.disposition,
    status: r.status,
    endReason: r.end_reason,
    media: parseMedia(r.media),
  };
}

/** Whole seconds between two times, rounded; never negative (the clock may have been set back). */
function seconds(fromMs: number, toMs: number): number {
  return Math.max(0, Math.round((toMs - fromMs) / 1000));
}

/**
 * The WHERE clause is assembled only from these constant fragments, in this order; values are always bound
 * parameters. No text from a request ever becomes SQL.
 */
const CLAUSES = {
  from: 'caller = @from',
  to: 'callee = @to',
  disposition: 'disposition = @disposition',
  since: 'start >= @since',
  until: 'start < @until',
  cursor: '(start, id) < (@cursorStart, @cursorId)',
} as const;
type ClauseName = keyof typeof CLAUSES;

const COLUMNS =
  'id, call_id, caller, callee, start, answer, "end", duration, billsec, disposition, status, end_reason, media';
const NEWEST_FIRST = 'ORDER BY start DESC, id DESC';

/** Bound values of one query, under the names the fragments use. */
type Params = Record<string, string | number>;

interface Plan {
  /** Statement cache key: which fragments, and whether the extension filter is on. */
  key: string;
  clauses: ClauseName[];
  extension: boolean;
  params: Params;
}

function checkText(field: string, value: string): void {
  if (typeof value !== 'string') throw new ValidationError(field, `${field}: must be text`);
}

function checkTime(field: string, value: number): void {
  if (!Number.isFinite(value))
    throw new ValidationError(field, `${field}: must be a time in epoch milliseconds`);
}

/**
 * Call detail records in the `cdr` table: one row per finished call attempt, written once, read newest first
 * with keyset paging on (start, id) so the thousandth page costs what the first does.
 */
export class CdrRepository {
  private readonly insertStmt: BetterSqlite3.Statement<Record<string, unknown>>;
  private readonly statements = new Map<string, BetterSqlite3.Statement<Params, CdrRow | { n: number }>>();

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO cdr (call_id, caller, callee, start, answer, "end", duration, billsec, disposition, status, end_reason, media)
       VALUES (@call_id, @caller, @callee, @start, @answer, @end, @duration, @billsec, @disposition, @status, @end_reason, @media)`,
    );
  }

  /** Writes one record and returns it as the API shows it. Duration and billable seconds come from the times. */
  insert(rec: NewCdr): CdrRecord {
    const start = Math.round(rec.start);
    const end = Math.max(start, Math.round(rec.end));
    const answer = rec.answer === undefined ? null : Math.min(end, Math.max(start, Math.round(rec.answer)));
    const row: Omit<CdrRow, 'id'> = {
      call_id: rec.callId,
      caller: rec.caller,
      callee: rec.callee,
      start,
      answer,
      end,
      duration: seconds(start, end),
      billsec: answer === null ? 0 : seconds(answer, end),
      disposition: rec.disposition,
      status: rec.status ?? null,
      end_reason: rec.endReason ?? null,
      media: rec.media === undefined ? null : JSON.stringify(rec.media),
    };
    const id = Number(this.insertStmt.run(row).lastInsertRowid);
    return fromRow({ id, ...row });
  }

  /** One record by its id, or undefined. */
  get(id: number): CdrRecord | undefined {
    const row = this.statement('by-id', () => 'SELECT * FROM cdr WHERE id = @id').get({ id }) as
      CdrRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** One page of records, newest first, and the cursor of the next (older) page. */
  query(filter: CdrFilter = {}): CdrPage {
    const asked =
      filter.limit !== undefined && Number.isFinite(filter.limit) ? filter.limit : CDR_DEFAULT_LIMIT;
    const limit = Math.min(CDR_MAX_LIMIT, Math.max(1, Math.trunc(asked)));
    let after: CursorPosition | undefined;
    if (filter.cursor !== undefined) {
      const decoded = decodeCdrCursor(filter.cursor);
      if (!decoded) {
        throw new ValidationError(
          'cursor',
          'cursor: this is not a cursor from this API (pass nextCursor from the previous page unchanged)',
        );
      }
      after = decoded;
    }
    const rows = this.page(filter, after, limit + 1);
    const more = rows.length > limit;
    const records = (more ? rows.slice(0, limit) : rows).map(fromRow);
    const last = more ? rows[limit - 1] : undefined;
    return { records, nextCursor: last ? encodeCursor({ start: last.start, id: last.id }) : null };
  }

  /** How many records match (paging fields are ignored). */
  count(filter: CdrSearch = {}): number {
    const plan = this.plan(filter, undefined);
    const stmt = this.statement(`count:${plan.key}`, () => {
      const where = [
        ...(plan.extension ? ['(caller = @extension OR callee = @extension)'] : []),
        ...plan.clauses.map((c) => CLAUSES[c]),
      ];
      return `SELECT count(*) AS n FROM cdr${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    });
    return (stmt.get(plan.params) as { n: number }).n;
  }

  /**
   * Every matching record, newest first (limit and cursor are ignored), read in chunks of 1000 so the
   * database connection is free between chunks: writers (new calls ending) never wait for an export.
   */
  *exportRows(filter: CdrSearch = {}): Generator<CdrRecord, void, undefined> {
    let after: CursorPosition | undefined;
    for (;;) {
      const rows = this.page(filter, after, EXPORT_CHUNK);
      for (const r of rows) yield fromRow(r);
      const last = rows[rows.length - 1];
      if (rows.length < EXPORT_CHUNK || !last) return;
      after = { start: last.start, id: last.id };
    }
  }

  /**
   * SQLite's plan for the statement `query(filter)` runs (EXPLAIN QUERY PLAN, one line per step): tests use
   * it to prove that paging walks an index and never sorts the table.
   */
  explainQuery(filter: CdrFilter = {}): string[] {
    const after = filter.cursor === undefined ? undefined : (decodeCdrCursor(filter.cursor) ?? undefined);
    const { stmt, params } = this.pageStatement(filter, after);
    return this.db
      .prepare<Params, { detail: string }>(`EXPLAIN QUERY PLAN ${stmt.source}`)
      .all({ ...params, limit: 1 })
      .map((r) => r.detail);
  }

  private page(filter: CdrSearch, after: CursorPosition | undefined, limit: number): CdrRow[] {
    const { stmt, params } = this.pageStatement(filter, after);
    return stmt.all({ ...params, limit }) as CdrRow[];
  }

  private pageStatement(filter: CdrSearch, after: CursorPosition | undefined) {
    const plan = this.plan(filter, after);
    const stmt = this.statement(`page:${plan.key}`, () => {
      const where = plan.clauses.map((c) => CLAUSES[c]);
      if (!plan.extension) {
        return `SELECT ${COLUMNS} FROM cdr${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ${NEWEST_FIRST} LIMIT @limit`;
      }
      // Calls made and calls received, each read in order from its own index and merged: a page costs
      // `limit` rows however many calls the extension has. The second arm leaves out calls to oneself.
      const rest = where.map((w) => ` AND ${w}`).join('');
      return (
        `SELECT ${COLUMNS} FROM cdr WHERE caller = @extension${rest} ` +
        `UNION ALL SELECT ${COLUMNS} FROM cdr WHERE callee = @extension AND caller <> @extension${rest} ` +
        `${NEWEST_FIRST} LIMIT @limit`
      );
    });
    return { stmt, params: plan.params };
  }

  /** Which fragments a filter needs, and their values; checks values the engine might pass by mistake. */
  private plan(filter: CdrSearch, after: CursorPosition | undefined): Plan {
    const clauses: ClauseName[] = []; // pushed in CLAUSES order, so each combination has one statement
    const params: Params = {};
    const use = (name: ClauseName, values: Params): void => {
      clauses.push(name);
      Object.assign(params, values);
    };
    if (filter.from !== undefined) {
      checkText('from', filter.from);
      use('from', { from: filter.from });
    }
    if (filter.to !== undefined) {
      checkText('to', filter.to);
      use('to', { to: filter.to });
    }
    if (filter.disposition !== undefined) {
      if (!CDR_DISPOSITIONS.includes(filter.disposition)) {
        throw new ValidationError(
          'disposition',
          `disposition: must be one of ${CDR_DISPOSITIONS.join(', ')}`,
        );
      }
      use('disposition', { disposition: filter.disposition });
    }
    if (filter.since !== undefined) {
      checkTime('since', filter.since);
      use('since', { since: filter.since });
    }
    if (filter.until !== undefined) {
      checkTime('until', filter.until);
      use('until', { until: filter.until });
    }
    if (after) use('cursor', { cursorStart: after.start, cursorId: after.id });
    const extension = filter.extension !== undefined;
    if (filter.extension !== undefined) {
      checkText('extension', filter.extension);
      params.extension = filter.extension;
    }
    return { key: `${extension ? 'ext,' : ''}${clauses.join(',')}`, clauses, extension, params };
  }

  private statement(key: string, sql: () => string): BetterSqlite3.Statement<Params, CdrRow | { n: number }> {
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare<Params, CdrRow | { n: number }>(sql());
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}

/**
 * Schema step for call records (appended to MIGRATIONS as version 3; shipped: never change it, add a step).
 * Indexes: (start, id) for the newest-first keyset paging, and caller / callee each followed by the same
 * order so filtering by an extension pages just as cheaply.
 */
export function createCdrTable(db: Database): void {
  db.exec(`
    CREATE TABLE cdr (
      id          INTEGER PRIMARY KEY,
      call_id     TEXT NOT NULL,
      caller      TEXT NOT NULL,
      callee      TEXT NOT NULL,
      start       INTEGER NOT NULL,
      answer      INTEGER NULL,
      "end"       INTEGER NOT NULL,
      duration    INTEGER NOT NULL,
      billsec     INTEGER NOT NULL,
      disposition TEXT NOT NULL CHECK (disposition IN ('ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'VOICEMAIL')),
      status      INTEGER,
      end_reason  TEXT,
      media       TEXT NULL
    );
    CREATE INDEX cdr_start ON cdr (start DESC, id DESC);
    CREATE INDEX cdr_caller ON cdr (caller, start DESC, id DESC);
    CREATE INDEX cdr_callee ON cdr (callee, start DESC, id DESC);
  `);
}
