import { LogRoot } from '../log/index.js';
import type { Logger } from '../log/index.js';
import type { Database } from '../store/database-types.js';
import { SqliteUserStore } from '../store/sqlite-user-store.js';
import { generateSecret, generateVoicemailPin } from './credentials.js';
import {
  ImportError,
  UserExistsError,
  UserInUseError,
  UserNotFoundError,
  ValidationError,
} from './directory-errors.js';
import type { ImportRowError } from './directory-errors.js';
import type { UserPersistence } from './user-persistence.js';
import type { NewUser, User, UserChange, UserChangeListener, UserField, UserPatch } from './user.js';
import { checkUserFields, checkWholeUser, validateUserFields } from './user-validation.js';
import type { UserValues } from './user-validation.js';

/** A user an import would create, and which of its fields would be generated. */
export interface ImportPlanRow {
  user: User;
  generated: UserField[];
}

/**
 * The office's extensions, held in memory for the SIP layer (which reads only `get`, never the
 * database) and written through to persistence. Every change is validated, written, applied to the
 * map and then announced to listeners — in that order, so a failed write changes nothing.
 */
export class UserDirectory {
  private readonly users = new Map<string, User>();
  private readonly listeners = new Set<UserChangeListener>();
  private readonly numberOwners: Array<(extension: string) => string | undefined> = [];
  private readonly deleteGuards: Array<(extension: string) => string | undefined> = [];

  private readonly persistence: UserPersistence;

  /** `storage`: the engine's database (its `users` table), or any other persistence (tests, tools). */
  constructor(
    storage: Database | UserPersistence,
    private readonly log: Logger = new LogRoot('silent').logger('directory'),
    private readonly now: () => number = Date.now,
  ) {
    this.persistence = isPersistence(storage) ? storage : new SqliteUserStore(storage);
    for (const u of this.persistence.loadAll()) this.users.set(u.extension, Object.freeze(u));
    log.info('directory loaded', { users: this.users.size });
  }

  /** The hot-path lookup: a Map read. */
  get(extension: string): User | undefined {
    return this.users.get(extension);
  }

  has(extension: string): boolean {
    return this.users.has(extension);
  }

  count(): number {
    return this.users.size;
  }

  /** All users in dialling order (shorter extensions first, then by digits). */
  list(): User[] {
    return [...this.users.values()].sort(byExtension);
  }

  /** Users whose extension, name or email contains `text` (any case). */
  search(text: string): User[] {
    const needle = text.trim().toLowerCase();
    if (needle === '') return this.list();
    return this.list().filter((u) =>
      [u.extension, u.name, u.email].some((v) => v.toLowerCase().includes(needle)),
    );
  }

  /** Subscribes to changes; returns the function that unsubscribes. */
  onChange(listener: UserChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Numbers that services answer (the auto-attendant's 800): `owner` says who holds a number, or
   * undefined. A user cannot be created on a number a service holds.
   */
  reserveNumbers(owner: (extension: string) => string | undefined): void {
    this.numberOwners.push(owner);
  }

  /** Refuses to delete a user something still routes calls to: `guard` says why, or undefined. */
  guardDelete(guard: (extension: string) => string | undefined): void {
    this.deleteGuards.push(guard);
  }

  create(input: NewUser): User {
    const values = validateUserFields(input, 'create');
    const user = this.complete(values).user;
    if (this.users.has(user.extension)) throw new UserExistsError(user.extension);
    const taken = this.takenBy(user.extension);
    if (taken) throw new UserExistsError(user.extension, taken);
    throwIf(checkWholeUser(user));
    this.persistence.insert(user);
    this.users.set(user.extension, user);
    this.log.info('user created', { extension: user.extension });
    this.emit({ kind: 'created', user });
    return user;
  }

  update(extension: string, patch: UserPatch): User {
    const previous = this.users.get(extension);
    if (!previous) throw new UserNotFoundError(extension);
    const values = validateUserFields(patch, 'update');
    if (values.extension !== undefined && values.extension !== extension) {
      throw new ValidationError(
        'extension',
        `the extension number cannot be changed (${extension} to ${values.extension}); create the new extension and delete the old one`,
      );
    }
    const merged = { ...previous, ...values };
    if (USER_VALUE_KEYS.every((k) => merged[k] === previous[k])) return previous;
    throwIf(checkWholeUser(merged));
    const user: User = Object.freeze({ ...merged, updatedAt: this.now() });
    this.persistence.update(user);
    this.users.set(extension, user);
    this.log.info('user updated', { extension, fields: Object.keys(values) });
    this.emit({ kind: 'updated', user, previous });
    return user;
  }

  delete(extension: string): User {
    const user = this.users.get(extension);
    if (!user) throw new UserNotFoundError(extension);
    for (const guard of this.deleteGuards) {
      const why = guard(extension);
      if (why !== undefined) throw new UserInUseError(extension, why);
    }
    this.persistence.remove(extension);
    this.users.delete(extension);
    this.log.info('user deleted', { extension });
    this.emit({ kind: 'deleted', user });
    return user;
  }

  /**
   * Validates a bulk import without writing: every row, every problem (including extensions that
   * exist already or appear twice). Throws ImportError listing them all.
   */
  planImport(rows: readonly NewUser[]): ImportPlanRow[] {
    const problems: ImportRowError[] = [];
    const plan: ImportPlanRow[] = [];
    const firstSeen = new Map<string, number>();
    rows.forEach((row, index) => {
      const { values, errors } = checkUserFields(row, 'create');
      for (const e of errors) problems.push({ index, field: e.field, message: e.message });
      if (errors.length > 0) return;
      const planned = this.complete(values);
      const ext = planned.user.extension;
      const earlier = firstSeen.get(ext);
      const whole = checkWholeUser(planned.user);
      const taken = this.takenBy(ext);
      if (this.users.has(ext))
        problems.push({ index, field: 'extension', message: `extension ${ext} already exists` });
      else if (taken) problems.push({ index, field: 'extension', message: taken });
      else if (earlier !== undefined) {
        problems.push({
          index,
          field: 'extension',
          message: `extension ${ext} appears more than once in the import`,
        });
      } else if (whole) problems.push({ index, field: whole.field, message: whole.message });
      else plan.push(planned);
      if (earlier === undefined) firstSeen.set(ext, index);
    });
    if (problems.length > 0) throw new ImportError(problems);
    return plan;
  }

  /** Creates every user or none (one transaction); throws ImportError when any row is wrong. */
  importMany(rows: readonly NewUser[]): User[] {
    const users = this.planImport(rows).map((p) => p.user);
    this.persistence.insertMany(users);
    for (const u of users) this.users.set(u.extension, u);
    this.log.info('users imported', { count: users.length });
    for (const user of users) this.emit({ kind: 'created', user });
    return users;
  }

  /** Why a number is not free for a user (a service holds it), or undefined. */
  private takenBy(extension: string): string | undefined {
    for (const owner of this.numberOwners) {
      const why = owner(extension);
      if (why !== undefined) return why;
    }
    return undefined;
  }

  /** A full user from validated create values, generating what was left out. */
  private complete(values: UserValues): ImportPlanRow {
    const generated: UserField[] = [];
    if (values.secret === undefined) generated.push('secret');
    if (values.voicemailPin === undefined) generated.push('voicemailPin');
    const secret = values.secret ?? generateSecret();
    const voicemailPin = values.voicemailPin ?? generateVoicemailPin();
    const at = this.now();
    const user: User = Object.freeze({
      extension: values.extension ?? '',
      name: values.name ?? '',
      secret,
      email: values.email ?? '',
      voicemailPin,
      createdAt: at,
      updatedAt: at,
    });
    return { user, generated };
  }

  private emit(change: UserChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        // The change is already stored; one broken listener must not hide it from the others.
        this.log.error('user change listener failed', {
          kind: change.kind,
          extension: change.user.extension,
          err,
        });
      }
    }
  }
}

const USER_VALUE_KEYS = ['name', 'secret', 'email', 'voicemailPin'] as const;

function byExtension(a: User, b: User): number {
  return (
    a.extension.length - b.extension.length ||
    (a.extension < b.extension ? -1 : a.extension > b.extension ? 1 : 0)
  );
}

function isPersistence(storage: Database | UserPersistence): storage is UserPersistence {
  return typeof (storage as Partial<UserPersistence>).loadAll === 'function';
}

function throwIf(error: ValidationError | null): void {
  if (error) throw error;
}
