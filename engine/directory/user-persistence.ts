import type { User } from './user.js';

/** Where the directory writes through to (SQLite in the engine); every call is synchronous. */
export interface UserPersistence {
  loadAll(): User[];
  insert(user: User): void;
  /** All or nothing: if one insert fails, none is kept. */
  insertMany(users: readonly User[]): void;
  update(user: User): void;
  remove(extension: string): void;
}
