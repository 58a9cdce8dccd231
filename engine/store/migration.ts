import type { Database } from './database-types.js';

/** One step of the schema. Versions start at 1 and grow by one; a step never changes once released. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}
