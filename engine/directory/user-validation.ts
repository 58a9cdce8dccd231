import { ValidationError } from './directory-errors.js';
import { USER_FIELDS } from './user.js';
import type { UserField } from './user.js';

/**
 * Every rule about a user's fields lives here: the API, the CSV import and the console all end up in
 * these functions, so a rule and its message exist once.
 */

/** Fields a client may send back unchanged (e.g. PUT of what GET returned); they are ignored. */
const READ_ONLY_FIELDS: ReadonlySet<string> = new Set(['createdAt', 'updatedAt']);
/** Fields whose digits may arrive as a JSON number (201 rather than "201"). */
const DIGIT_FIELDS: ReadonlySet<UserField> = new Set(['extension', 'voicemailPin']);
/** Fields where surrounding spaces are a typing accident; a secret is taken exactly as given. */
const TRIMMED_FIELDS: ReadonlySet<UserField> = new Set(['extension', 'name', 'email', 'voicemailPin']);

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

type Rule = (value: string) => string | null;

/** Each rule returns the problem in plain words, or null when the value is fine. */
const RULES: Record<UserField, Rule> = {
  extension: (v) => {
    if (v === '') return 'extension is required';
    if (/^[*#]/.test(v)) return 'extension must not start with * or # (those begin feature codes)';
    if (!/^[0-9]+$/.test(v)) return `extension may only contain the digits 0-9 (got "${clip(v)}")`;
    if (v.length < 2 || v.length > 15) return `extension must be 2 to 15 digits long (got ${v.length})`;
    return null;
  },
  name: (v) => {
    const length = [...v].length;
    if (length === 0) return 'name must not be empty';
    if (length > 100) return `name must be at most 100 characters (got ${length})`;
    if (CONTROL_CHARS.test(v)) return 'name must not contain line breaks, tabs or other control characters';
    return null;
  },
  secret: (v) => {
    if (v.length < 8)
      return 'secret (the phone password) must be at least 8 characters; leave it out to get a strong one generated';
    if (v.length > 128) return `secret must be at most 128 characters (got ${v.length})`;
    if (!/^[\x21-\x7e]+$/.test(v)) {
      return 'secret may only contain letters A-Z, digits and keyboard symbols (no spaces or accented letters)';
    }
    return null;
  },
  email: (v) => {
    if (v === '') return null;
    if (v.length > 254) return `email must be at most 254 characters (got ${v.length})`;
    if (CONTROL_CHARS.test(v) || !EMAIL.test(v)) {
      return `email "${clip(v)}" does not look like an email address such as anna@example.com`;
    }
    return null;
  },
  voicemailPin: (v) => {
    if (!/^[0-9]*$/.test(v)) return 'voicemailPin may only contain the digits 0-9';
    if (v.length < 4 || v.length > 12) return `voicemailPin must be 4 to 12 digits long (got ${v.length})`;
    return null;
  },
};

function clip(v: string): string {
  return v.length > 20 ? `${v.slice(0, 20)}…` : v;
}

function isUserField(name: string): name is UserField {
  return (USER_FIELDS as readonly string[]).includes(name);
}

/** Turns one raw value into text, or says why it cannot be. */
function toText(field: UserField, raw: unknown): string | ValidationError {
  if (typeof raw === 'string') return TRIMMED_FIELDS.has(field) ? raw.trim() : raw;
  if (DIGIT_FIELDS.has(field) && typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) {
    return String(raw);
  }
  return new ValidationError(
    field,
    `${field} must be text${DIGIT_FIELDS.has(field) ? ' or a whole number' : ''}`,
  );
}

export type UserValues = Partial<Record<UserField, string>>;

export interface FieldCheck {
  /** The values that passed, normalized (trimmed, numbers as text). */
  values: UserValues;
  /** Every problem found, unknown fields first, then in field order. */
  errors: ValidationError[];
}

/**
 * Checks the fields present in `input`. With `mode: 'create'` the extension and name are required and
 * an empty or missing secret / voicemailPin is left out of `values` (the caller generates them).
 */
export function checkUserFields(
  input: Readonly<Record<string, unknown>>,
  mode: 'create' | 'update',
): FieldCheck {
  const values: UserValues = {};
  const errors: ValidationError[] = [];
  for (const key of Object.keys(input)) {
    if (!isUserField(key) && !READ_ONLY_FIELDS.has(key)) {
      errors.push(
        new ValidationError(key, `unknown field "${clip(key)}" (known fields: ${USER_FIELDS.join(', ')})`),
      );
    }
  }
  for (const field of USER_FIELDS) {
    const raw = input[field];
    if (raw === undefined) {
      if (mode === 'create' && (field === 'extension' || field === 'name')) {
        errors.push(new ValidationError(field, `${field} is required`));
      }
      continue;
    }
    const text = toText(field, raw);
    if (text instanceof ValidationError) {
      errors.push(text);
      continue;
    }
    if (mode === 'create' && text === '' && (field === 'secret' || field === 'voicemailPin')) continue;
    const problem = RULES[field](text);
    if (problem !== null) errors.push(new ValidationError(field, problem));
    else values[field] = text;
  }
  return { values, errors };
}

/** Rules across fields, checked on the user as it will be stored. */
export function checkWholeUser(user: { extension: string; secret: string }): ValidationError | null {
  if (user.secret === user.extension)
    return new ValidationError('secret', 'secret must not be the same as the extension');
  return null;
}

/** Like checkUserFields, but throws the first problem (single-user API calls report one field). */
export function validateUserFields(
  input: Readonly<Record<string, unknown>>,
  mode: 'create' | 'update',
): UserValues {
  const { values, errors } = checkUserFields(input, mode);
  if (errors[0]) throw errors[0];
  return values;
}
