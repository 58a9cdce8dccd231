/** The engine's REST API as the console uses it: JSON in and out, the session cookie, clear errors. */

import type { CallView } from '../../engine/engine.js';
import type {
  AttendantConfig as EngineAttendantConfig,
  AttendantDestination as EngineAttendantDestination,
  AttendantMenu as EngineAttendantMenu,
  OpeningPeriod as EngineOpeningPeriod,
  Weekday as EngineWeekday,
} from '../../engine/attendant/attendant-config.js';
import type { PromptView } from '../../engine/http/prompt-routes.js';
import type { RegistrationView } from '../../engine/http/api-sources.js';
import type { UserJson } from '../../engine/http/user-json.js';
import type { VoicemailView } from '../../engine/http/voicemail-routes.js';
import type { MailboxSummary as EngineMailboxSummary } from '../../engine/http/voicemail-summary-routes.js';
import type { VoicemailSettings as EngineVoicemailSettings } from '../../engine/store/voicemail-settings-repository.js';
import type { LoggedProblem } from '../../engine/log/index.js';
import type { CallMediaStats } from '../../engine/media/relay-driver.js';
import type { TracedMessage as EngineTracedMessage } from '../../engine/sip/trace/call-trace.js';
import type { EngineStatus } from '../../engine/status.js';
import type {
  PhoneConfigPreview as EnginePhoneConfigPreview,
  PhoneDetailView,
  PhoneView,
  ProvisioningInfo as EngineProvisioningInfo,
} from '../../provisioning/phone-view.js';
import type {
  CdrPage as EnginePage,
  CdrRecord,
  Disposition as EngineDisposition,
} from '../../engine/store/cdr-repository.js';

export interface RowProblem {
  row: number;
  field?: string;
  message: string;
}

/** An answer other than 2xx: `message` is written for a person, `field` names the form field. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | undefined,
    readonly field: string | undefined,
    readonly rows: RowProblem[] | undefined,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

type SessionListener = () => void;
let onSessionEnded: SessionListener = () => undefined;

/** Called when the engine says the session is over (expired, logged out elsewhere, restarted). */
export function whenSessionEnds(listener: SessionListener): void {
  onSessionEnded = listener;
}

interface ErrorBody {
  error?: unknown;
  code?: unknown;
  field?: unknown;
  rows?: unknown;
}

async function failure(res: Response): Promise<ApiFailure> {
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's page, a dropped connection): the status says enough
  }
  const message =
    typeof body.error === 'string' ? body.error : `the engine answered ${res.status} ${res.statusText}`;
  return new ApiFailure(
    res.status,
    message,
    typeof body.code === 'string' ? body.code : undefined,
    typeof body.field === 'string' ? body.field : undefined,
    Array.isArray(body.rows) ? (body.rows as RowProblem[]) : undefined,
  );
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: { text?: string; file?: Blob; quietAuth?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { 'X-PBX-Console': '1', Accept: 'application/json' };
  let payload: string | Blob | undefined;
  if (options.file !== undefined) {
    // Sent as the bytes of the file (a WAV greeting), not as a form: the API reads the body as is.
    headers['Content-Type'] = options.file.type || 'application/octet-stream';
    payload = options.file;
  } else if (options.text !== undefined) {
    headers['Content-Type'] = 'text/csv; charset=utf-8';
    payload = options.text;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiFailure(
      0,
      'OfficePBX is not answering: is the service running?',
      'OFFLINE',
      undefined,
      undefined,
    );
  }
  if (!res.ok) {
    const f = await failure(res);
    if (res.status === 401 && f.code === 'SESSION_REQUIRED' && !options.quietAuth) onSessionEnded();
    throw f;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);
export const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

/** Builds `path?a=1&b=2`, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

// ---- shapes the engine answers with: the engine's own types (type-only imports, erased by Vite) ----

export type User = UserJson;
export type Registration = RegistrationView;
export type StreamStats = CallMediaStats['streams'][number];
export type LiveCall = CallView;
export type Disposition = EngineDisposition;
/** In the order the console lists them (the engine's CDR_DISPOSITIONS). */
export const DISPOSITIONS: Disposition[] = ['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'VOICEMAIL'];
export type CallRecord = CdrRecord;
/** `GET /api/cdr`: a page and the number of records the filters match. */
export type CdrPage = EnginePage & { total: number };
export type TracedMessage = EngineTracedMessage;
export type Problem = LoggedProblem;
export type Status = EngineStatus;
export type PhoneSummary = PhoneView;
export type PhoneDetail = PhoneDetailView;
export type PhoneConfigPreview = EnginePhoneConfigPreview;
export type ProvisioningInfo = EngineProvisioningInfo;
/** A message in `GET /api/voicemail/:extension`, newest first. */
export type VoicemailMessage = VoicemailView;
/** A mailbox in `GET /api/voicemail`: its owner and how many messages, how many new. */
export type MailboxSummary = EngineMailboxSummary;
/** `GET/PUT /api/voicemail/:extension/settings`: when that user's calls go to voicemail. */
export type VoicemailSettings = EngineVoicemailSettings & { extension: string };
/** `GET/PUT /api/autoattendant`; GET adds the time zone in use. */
export type AttendantConfig = EngineAttendantConfig & { effectiveTimeZone?: string };
export type AttendantDestination = EngineAttendantDestination;
export type AttendantMenu = EngineAttendantMenu;
export type OpeningPeriod = EngineOpeningPeriod;
export type Weekday = EngineWeekday;
/** A prompt in `GET /api/prompts`: shipped, replaced by an upload, or both. */
export type Prompt = PromptView;

export interface SessionState {
  authenticated: boolean;
  setupNeeded: boolean;
}

export interface SetupInfo {
  needed: boolean;
  advertise: string;
  interfaces: { name: string; address: string; internal: boolean }[];
  minPasswordLength: number;
}
