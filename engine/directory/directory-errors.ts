/** Bad input for one field: `field` names it, `message` says what is wrong in words an office manager follows. */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Creating an extension that is already taken. */
export class UserExistsError extends ValidationError {
  constructor(
    readonly extension: string,
    message = `extension ${extension} already exists`,
  ) {
    super('extension', message);
    this.name = 'UserExistsError';
  }
}

/** Deleting a user that something else still sends calls to (the auto-attendant's digit map …). */
export class UserInUseError extends Error {
  constructor(
    readonly extension: string,
    message: string,
  ) {
    super(message);
    this.name = 'UserInUseError';
  }
}

export class UserNotFoundError extends Error {
  constructor(readonly extension: string) {
    super(`there is no extension ${extension}`);
    this.name = 'UserNotFoundError';
  }
}

/** One problem in one row of a bulk import; `index` is the row's position (0-based) in the input. */
export interface ImportRowError {
  index: number;
  field: string;
  message: string;
}

/** A bulk import that was refused as a whole; every problem found is listed, nothing was written. */
export class ImportError extends Error {
  constructor(readonly rows: readonly ImportRowError[]) {
    super(`${rows.length} problem${rows.length === 1 ? '' : 's'} found; nothing was imported`);
    this.name = 'ImportError';
  }
}
