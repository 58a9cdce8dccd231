import type { User } from '../directory/user.js';
import type { UserPersistence } from '../directory/user-persistence.js';
import { UserExistsError } from '../directory/directory-errors.js';
import type { Database } from './database-types.js';

interface UserRow {
  extension: string;
  name: string;
  secret: string;
  email: string;
  voicemail_pin: string;
  created_at: number;
  updated_at: number;
}

type UserParams = UserRow;

function toRow(u: User): UserParams {
  return {
    extension: u.extension,
    name: u.name,
    secret: u.secret,
    email: u.email,
    voicemail_pin: u.voicemailPin,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}

function fromRow(r: UserRow): User {
  return {
    extension: r.extension,
    name: r.name,
    secret: r.secret,
    email: r.email,
    voicemailPin: r.voicemail_pin,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function isPrimaryKeyClash(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The `users` table behind the UserDirectory. */
export class SqliteUserStore implements UserPersistence {
  private readonly selectAll;
  private readonly insertOne;
  private readonly updateOne;
  private readonly deleteOne;
  private readonly insertAll: (users: readonly User[]) => void;

  constructor(db: Database) {
    this.selectAll = db.prepare<[], UserRow>('SELECT * FROM users');
    this.insertOne = db.prepare<UserParams>(
      `INSERT INTO users (extension, name, secret, email, voicemail_pin, created_at, updated_at)
       VALUES (@extension, @name, @secret, @email, @voicemail_pin, @created_at, @updated_at)`,
    );
    this.updateOne = db.prepare<UserParams>(
      `UPDATE users SET name = @name, secret = @secret, email = @email, voicemail_pin = @voicemail_pin,
       updated_at = @updated_at WHERE extension = @extension`,
    );
    this.deleteOne = db.prepare<[string]>('DELETE FROM users WHERE extension = ?');
    this.insertAll = db.transaction((users: readonly User[]) => {
      for (const u of users) this.insertRow(u);
    });
  }

  loadAll(): User[] {
    return this.selectAll.all().map(fromRow);
  }

  insert(user: User): void {
    this.insertRow(user);
  }

  insertMany(users: readonly User[]): void {
    this.insertAll(users);
  }

  update(user: User): void {
    this.updateOne.run(toRow(user));
  }

  remove(extension: string): void {
    this.deleteOne.run(extension);
  }

  private insertRow(user: User): void {
    try {
      this.insertOne.run(toRow(user));
    } catch (err) {
      if (isPrimaryKeyClash(err)) throw new UserExistsError(user.extension);
      throw err;
    }
  }
}
