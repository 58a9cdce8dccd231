import type BetterSqlite3 from 'better-sqlite3';

/** The engine's SQLite handle (better-sqlite3, synchronous). */
export type Database = BetterSqlite3.Database;
