import type { ServerResponse } from 'node:http';

/** What a route handler returns; the server writes it. */
export interface ApiResponse {
  status: number;
  /** Sent as JSON unless `text` is given. */
  json?: unknown;
  text?: string;
  /** Sent as is with `contentType` (audio files). */
  binary?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export function jsonResponse(status: number, json: unknown, headers?: Record<string, string>): ApiResponse {
  return headers ? { status, json, headers } : { status, json };
}

export function noContent(): ApiResponse {
  return { status: 204 };
}

/** Headers on every answer: the API is data for our console, never a page to render, frame or cache. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function writeResponse(res: ServerResponse, r: ApiResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  for (const [name, value] of Object.entries(r.headers ?? {})) res.setHeader(name, value);
  res.statusCode = r.status;
  if (r.status === 204) {
    res.end();
    return;
  }
  if (r.binary !== undefined) {
    res.setHeader('Content-Type', r.contentType ?? 'application/octet-stream');
    res.setHeader('Content-Length', r.binary.length);
    res.end(r.binary);
    return;
  }
  const payload = r.text ?? JSON.stringify(r.json ?? null);
  res.setHeader(
    'Content-Type',
    r.text !== undefined ? (r.contentType ?? 'text/plain; charset=utf-8') : 'application/json; charset=utf-8',
  );
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}
