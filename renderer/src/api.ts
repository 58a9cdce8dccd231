/** The engine's REST API as the console uses it: JSON in and out, the session cookie, clear errors. */

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
  options: { text?: string; quietAuth?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { 'X-PBX-Console': '1', Accept: 'application/json' };
  let payload: string | undefined;
  if (options.text !== undefined) {
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

// ---- shapes the engine answers with (see the README's API section) ----

export interface User {
  extension: string;
  name: string;
  secret: string;
  email: string;
  voicemailPin: string;
  createdAt: string;
  updatedAt: string;
}

export interface Registration {
  extension: string;
  contact: string;
  source: string;
  transport: string;
  userAgent: string;
  expires: number;
  expiresAt: string;
  registeredAt: string;
  reachable: boolean | null;
}

export interface DirectionStats {
  packets: number;
  bytes: number;
  lost: number;
  jitterMs: number;
  source: string | null;
}

export interface StreamStats {
  index: number;
  media: string;
  codec: string | null;
  callerToCallee: DirectionStats;
  calleeToCaller: DirectionStats;
}

export interface LiveCall {
  callId: string;
  caller: string;
  callee: string;
  state: string;
  start: string;
  answer: string | null;
  seconds: number;
  media: StreamStats[] | null;
}

export type Disposition = 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED' | 'VOICEMAIL';
export const DISPOSITIONS: Disposition[] = ['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'VOICEMAIL'];

export interface CallRecord {
  id: number;
  callId: string;
  caller: string;
  callee: string;
  start: string;
  answer: string | null;
  end: string;
  duration: number;
  billsec: number;
  disposition: Disposition;
  status: number | null;
  endReason: string | null;
  media: StreamStats[] | null;
}

export interface CdrPage {
  records: CallRecord[];
  nextCursor: string | null;
  total: number;
}

export interface TracedMessage {
  time: number;
  direction: 'in' | 'out';
  peer: string;
  transport: string;
  summary: string;
  text: string;
}

export interface Problem {
  time: string;
  level: 'warn' | 'error';
  category: string;
  message: string;
}

export interface Status {
  ok: boolean;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  advertise: string;
  sipPort: number;
  httpPort: number;
  advertisePending: string | null;
  listeners: Record<string, string>;
  users: number;
  registeredUsers: number;
  registeredPhones: number;
  callsInProgress: number;
  callsToday: number;
  media: { relay: string; rtpPorts: string };
  errors: number;
  problems: Problem[];
}

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
