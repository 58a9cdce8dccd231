import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log/index.js';
import type { ApiResponse } from './api-response.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** How the server reads a route's body before calling it. */
export type RouteBody = 'none' | 'json' | 'text' | 'binary';

export interface RouteContext {
  /** `:name` segments of the path, decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The parsed object for `body: 'json'` routes, else empty. */
  json: Readonly<Record<string, unknown>>;
  /** The UTF-8 text for `body: 'text'` routes, else ''. */
  text: string;
  /** The raw bytes for `body: 'binary'` routes (an uploaded WAV), else empty. */
  binary?: Buffer;
  log: Logger;
  /** The HTTP request itself (cookies, source address); absent in handler unit tests. */
  req?: IncomingMessage;
}

export interface Route {
  method: HttpMethod;
  /** e.g. `/api/users/:extension`. */
  path: string;
  body?: RouteBody;
  /** A larger body limit than the server's default (1 MiB), for uploads such as a greeting's WAV. */
  bodyLimitBytes?: number;
  /** Answered without the admin password or a session (health, login, first-run setup). */
  public?: boolean;
  handle(ctx: RouteContext): ApiResponse | Promise<ApiResponse>;
}
