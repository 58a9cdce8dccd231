import {
  ImportError,
  UserExistsError,
  UserInUseError,
  UserNotFoundError,
  ValidationError,
} from '../directory/directory-errors.js';
import { ApiError } from './api-error.js';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="OfficePBX", charset="UTF-8"' };

/**
 * Every error the API answers with, in one place: status, code and wording. Handlers throw these (or
 * the directory's errors, mapped by `toApiError`); nothing else writes an error body.
 */
export const ApiErrors = {
  noAdminPassword: () =>
    new ApiError(
      401,
      'NO_ADMIN_PASSWORD',
      'no admin password has been set yet: start the service with --admin-password <password> ' +
        '(or the environment variable PBX_ADMIN_PASSWORD), or choose one in the desktop app',
      { headers: CHALLENGE },
    ),
  authRequired: () =>
    new ApiError(401, 'AUTH_REQUIRED', 'this needs the admin password (HTTP Basic, user name "admin")', {
      headers: CHALLENGE,
    }),
  /** The console's requests: no Basic challenge, or the browser would pop up its own login box. */
  sessionRequired: () =>
    new ApiError(401, 'SESSION_REQUIRED', 'your console session has ended: log in again'),
  wrongCredentials: () =>
    new ApiError(401, 'WRONG_PASSWORD', 'wrong user name or password (the user name is "admin")', {
      headers: CHALLENGE,
    }),
  crossOrigin: (origin: string) =>
    new ApiError(
      403,
      'CROSS_ORIGIN',
      `requests from another web site (${origin}) may not change anything here`,
    ),
  routeNotFound: (path: string) => new ApiError(404, 'NOT_FOUND', `there is nothing at ${path} in this API`),
  methodNotAllowed: (method: string, path: string, allow: readonly string[]) =>
    new ApiError(
      405,
      'METHOD_NOT_ALLOWED',
      `${method} is not allowed on ${path}; use ${allow.join(' or ')}`,
      {
        headers: { Allow: allow.join(', ') },
      },
    ),
  bodyTooLarge: (limitBytes: number) =>
    new ApiError(
      413,
      'BODY_TOO_LARGE',
      `the request body is larger than the limit of ${formatBytes(limitBytes)}`,
      {
        headers: { Connection: 'close' },
      },
    ),
  emptyBody: () => new ApiError(400, 'EMPTY_BODY', 'the request body is empty; send a JSON object'),
  badJson: (cause: string) => new ApiError(400, 'BAD_JSON', `the request body is not valid JSON: ${cause}`),
  notAnObject: () =>
    new ApiError(
      400,
      'NOT_AN_OBJECT',
      'the request body must be a JSON object, such as {"extension": "201", "name": "Anna"}',
    ),
  notUtf8: () =>
    new ApiError(
      400,
      'NOT_UTF8',
      'the file is not UTF-8 text; in Excel use "Save As" and choose "CSV UTF-8"',
    ),
  badPathSegment: (segment: string) =>
    new ApiError(400, 'BAD_PATH', `the address contains a badly encoded part ("${segment.slice(0, 40)}")`),
  invalidField: (field: string, message: string) => new ApiError(400, 'INVALID_FIELD', message, { field }),
  userExists: (field: string, message: string) => new ApiError(409, 'USER_EXISTS', message, { field }),
  userInUse: (message: string) => new ApiError(409, 'USER_IN_USE', message, { field: 'extension' }),
  promptNotFound: (name: string) =>
    new ApiError(
      404,
      'PROMPT_NOT_FOUND',
      `there is no prompt "${name.slice(0, 64)}" (GET /api/prompts lists them)`,
      { field: 'name' },
    ),
  userNotFound: (extension: string) =>
    new ApiError(404, 'USER_NOT_FOUND', `there is no extension ${extension}`, { field: 'extension' }),
  importRejected: (rows: readonly { row: number; field?: string; message: string }[]) =>
    new ApiError(
      400,
      'IMPORT_REJECTED',
      `the file has ${rows.length} problem${rows.length === 1 ? '' : 's'}; nothing was imported`,
      { details: { rows } },
    ),
  notBlocked: (address: string) =>
    new ApiError(404, 'NOT_BLOCKED', `${address} is not blocked`, { field: 'address' }),
  phoneNotFound: (mac: string) =>
    new ApiError(404, 'PHONE_NOT_FOUND', `there is no phone with MAC ${mac.slice(0, 40)}`, { field: 'mac' }),
  phoneVendorUnknown: (mac: string) =>
    new ApiError(
      409,
      'PHONE_VENDOR_UNKNOWN',
      `the make of phone ${mac} is not known yet: set its vendor, or let it ask for a file first`,
      { field: 'vendor' },
    ),
  cdrNotFound: (id: number) =>
    new ApiError(404, 'CDR_NOT_FOUND', `there is no call record ${id}`, { field: 'id' }),
  mailboxNotFound: (extension: string) =>
    new ApiError(404, 'MAILBOX_NOT_FOUND', `there is no extension ${extension.slice(0, 40)}, so no mailbox`, {
      field: 'extension',
    }),
  voicemailNotFound: (extension: string, id: string) =>
    new ApiError(
      404,
      'VOICEMAIL_NOT_FOUND',
      `mailbox ${extension.slice(0, 40)} has no message ${id.slice(0, 40)}`,
      { field: 'id' },
    ),
  greetingNotFound: (extension: string) =>
    new ApiError(
      404,
      'GREETING_NOT_FOUND',
      `mailbox ${extension.slice(0, 40)} has no greeting of its own: callers hear the standard one`,
      { field: 'greeting' },
    ),
  traceNotKept: (callId: string) =>
    new ApiError(
      404,
      'NO_TRACE',
      `no SIP messages are kept for call ${callId.slice(0, 80)}: only the most recent calls keep theirs ` +
        '(see --call-trace-calls)',
      { field: 'callId' },
    ),
  cdrUnavailable: () =>
    new ApiError(
      503,
      'CDR_UNAVAILABLE',
      'call records are not available: this engine was started without a call record store',
    ),
  internal: () =>
    new ApiError(500, 'INTERNAL', 'something went wrong inside the engine; its log has the details'),
} as const;

function formatBytes(n: number): string {
  return n % 1048576 === 0 ? `${n / 1048576} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

/**
 * Maps a thrown error to its API answer; null for anything unexpected (a bug: logged, answered 500).
 * An ImportError's rows are numbered from 1 in input order; the CSV import maps them to file rows first.
 */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof UserExistsError) return ApiErrors.userExists(err.field, err.message);
  if (err instanceof ValidationError) return ApiErrors.invalidField(err.field, err.message);
  if (err instanceof UserNotFoundError) return ApiErrors.userNotFound(err.extension);
  if (err instanceof UserInUseError) return ApiErrors.userInUse(err.message);
  if (err instanceof ImportError) {
    return ApiErrors.importRejected(
      err.rows.map((r) => ({ row: r.index + 1, field: r.field, message: r.message })),
    );
  }
  return null;
}
