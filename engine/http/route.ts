import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log/index.js';
import type { ApiResponse } from './api-response.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** How the server reads a route's body before calling it. */
export type RouteBody = 'none' | 'json' | 'text';

export interface RouteContext {
  /** `:name` segments of the path, decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The parsed object for `body: 'json'` routes, else empty. */
  json: Readonly<Record<string, unknown>>;
  /** The UTF-8 text for `body: 'text'` routes, else ''. */
  text: string;
  log: Logger;
  /** The HTTP request itself (cookies, source address); absent in handler unit tests. */
  req?: IncomingMessage;
}

export interface Route {
  method: HttpMethod;
  /** e.g. `/api/users/:extension`. */
  path: string;
  body?: RouteBody;
  /** Answered without the admin password or a session (health, login, first-run setup). */
  public?: boolean;
  handle(ctx: RouteContext): ApiResponse | Promise<ApiResponse>;
}
