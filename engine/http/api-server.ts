import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/index.js';
import { AdminPassword } from './admin-password.js';
import { ApiErrors, toApiError } from './api-errors.js';
import { writeResponse } from './api-response.js';
import type { ApiResponse } from './api-response.js';
import type { ApiServerOptions } from './api-server-options.js';
import { parseBasicAuth, safeEqual } from './basic-auth.js';
import { autoAttendantRoutes } from './autoattendant-routes.js';
import { cdrRoutes } from './cdr-routes.js';
import { ConsoleFiles } from './console-files.js';
import { ADVERTISE_SETTING, consoleRoutes } from './console-routes.js';
import { LiveEvents } from './live-events.js';
import { changesState, foreignOrigin } from './origin-check.js';
import { decodeUtf8, parseJsonObject, readBody } from './request-body.js';
import type { Route, RouteContext } from './route.js';
import { Router } from './router.js';
import { phoneRoutes } from './phone-routes.js';
import { promptRoutes } from './prompt-routes.js';
import { securityRoutes } from './security-routes.js';
import { readCookie, SESSION_COOKIE, SessionStore } from './sessions.js';
import { statusRoutes } from './status-routes.js';
import { userImportRoutes } from './user-import-routes.js';
import { userRoutes } from './user-routes.js';
import { voicemailRoutes } from './voicemail-routes.js';
import { voicemailSettingsRoutes } from './voicemail-settings-routes.js';
import { voicemailSummaryRoutes } from './voicemail-summary-routes.js';

const ONE_MIB = 1024 * 1024;
const ADMIN_USER = 'admin';
/** Sent by the console with every request (lower case: node's header names). */
const CONSOLE_HEADER = 'x-pbx-console';

/**
 * The REST API on node:http. Request path: route lookup (404/405) → admin password (401) → same-origin
 * check for changes (403) → body (413/400) → handler → JSON answer. Errors come from ApiErrors only.
 * `server` is exposed so the SIP WebSocket transport can take its `upgrade` events at /ws.
 */
export class ApiServer {
  readonly server: http.Server;
  readonly adminPassword: AdminPassword;
  readonly sessions: SessionStore;
  readonly events: LiveEvents;
  private readonly files: ConsoleFiles | undefined;
  private readonly log: Logger;
  private readonly router: Router;
  private readonly bodyLimit: number;

  constructor(private readonly options: ApiServerOptions) {
    this.log = options.log;
    this.bodyLimit = options.bodyLimitBytes ?? ONE_MIB;
    this.adminPassword = new AdminPassword(options.settings, options.log, options.authCacheMs);
    this.sessions = new SessionStore({ idleMs: (options.sessionIdleMinutes ?? 30) * 60_000 });
    this.events = options.events ?? new LiveEvents();
    this.files = options.consoleDir !== undefined ? new ConsoleFiles(options.consoleDir) : undefined;
    const routes: Route[] = [
      ...consoleRoutes({
        adminPassword: this.adminPassword,
        sessions: this.sessions,
        advertise: options.advertise ?? (() => options.settings.get(ADVERTISE_SETTING) ?? ''),
        saveAdvertise: options.saveAdvertise ?? ((a) => options.settings.set(ADVERTISE_SETTING, a)),
      }),
      ...statusRoutes(options.sources),
      ...userImportRoutes(options.directory),
      ...userRoutes(options.directory),
      ...securityRoutes(options.sources),
      ...cdrRoutes(options.cdr),
      ...(options.phones ? phoneRoutes(options.phones) : []),
      ...(options.voicemail ? voicemailRoutes(options.voicemail) : []),
      ...(options.autoattendant ? autoAttendantRoutes(options.autoattendant) : []),
      ...(options.prompts ? promptRoutes(options.prompts) : []),
      ...(options.voicemailSettings ? voicemailSettingsRoutes(options.voicemailSettings) : []),
      ...(options.voicemailSummary ? voicemailSummaryRoutes(options.voicemailSummary) : []),
    ];
    this.router = new Router(routes);
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 60_000;
    this.server.headersTimeout = 20_000;
    // Longer than clients' idle pools (undici keeps sockets 4 s): a connection the server closes while a
    // client reuses it surfaces as ECONNRESET on the next request.
    this.server.keepAliveTimeout = 15_000;
  }

  /** Stores the first-run admin password if needed, then listens. Port 0 picks a free port. */
  async listen(port: number, host: string): Promise<void> {
    const initial = this.options.adminPasswordOnFirstRun;
    if (initial !== undefined && initial !== '' && (await this.adminPassword.setIfUnset(initial))) {
      this.log.info('admin password stored from the first-run setting');
    }
    if (!this.adminPassword.isSet()) {
      this.log.info(
        'no admin password is set yet: open the console to choose one (the API refuses requests until then)',
      );
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.log.info('api listening', { address: this.address() });
  }

  /** `host:port` actually bound (useful after listen(0)). */
  address(): string {
    const a = this.server.address() as AddressInfo | null;
    return a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : 'not listening';
  }

  /** Stops listening and drops idle keep-alive connections; WebSocket connections are the owner's to close. */
  close(): Promise<void> {
    this.events.close();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = normalizePath(q < 0 ? rawUrl : rawUrl.slice(0, q));
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    if (this.files && rawPath !== '/api' && !rawPath.startsWith('/api/') && rawPath !== '/ws') {
      this.files.serve(req, res, rawPath);
      return;
    }
    if (rawPath === '/api/events' && method === 'GET') {
      try {
        await this.authenticate(req);
      } catch (err) {
        writeResponse(res, this.failure(err, method, rawPath));
        return;
      }
      this.events.attach(res);
      return;
    }
    let response: ApiResponse;
    try {
      response = await this.dispatch(req, method, rawPath, query);
    } catch (err) {
      response = this.failure(err, method, rawPath);
    }
    try {
      writeResponse(res, response);
    } catch (err) {
      // e.g. a source returned something JSON cannot hold; the answer is lost, the server must not be.
      this.log.error('could not write the response', { method, path: rawPath, err });
      res.destroy();
    }
    this.log.debug('request', {
      method,
      path: rawPath,
      status: response.status,
      ms: Math.round(performance.now() - started),
    });
  }

  private async dispatch(
    req: http.IncomingMessage,
    method: string,
    rawPath: string,
    query: URLSearchParams,
  ): Promise<ApiResponse> {
    const match = this.router.match(method, rawPath);
    if (match.kind === 'none') throw ApiErrors.routeNotFound(rawPath);
    if (match.kind === 'wrong-method') throw ApiErrors.methodNotAllowed(method, rawPath, match.allow);
    const { route, params } = match;
    if (!route.public) await this.authenticate(req);
    if (changesState(method)) {
      const origin = foreignOrigin(req);
      if (origin !== null) throw ApiErrors.crossOrigin(origin);
    }
    const ctx: RouteContext = { params, query, json: {}, text: '', log: this.log, req };
    const kind = route.body ?? 'none';
    if (kind !== 'none') {
      const body = await readBody(req, route.bodyLimitBytes ?? this.bodyLimit);
      if (kind === 'json') ctx.json = parseJsonObject(body);
      else if (kind === 'binary') ctx.binary = body;
      else ctx.text = decodeUtf8(body);
    }
    return await route.handle(ctx);
  }

  /** A console session cookie or the admin password (HTTP Basic) lets a request in. */
  private async authenticate(req: http.IncomingMessage): Promise<void> {
    if (!this.adminPassword.isSet()) throw ApiErrors.noAdminPassword();
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token !== undefined && this.sessions.touch(token)) return;
    const credentials = parseBasicAuth(req.headers.authorization);
    if (!credentials) {
      if (req.headers[CONSOLE_HEADER] !== undefined || req.headers.accept === 'text/event-stream')
        throw ApiErrors.sessionRequired();
      throw ApiErrors.authRequired();
    }
    const userOk = safeEqual(credentials.user, ADMIN_USER);
    const passwordOk = await this.adminPassword.verify(credentials.password);
    if (!userOk || !passwordOk) {
      this.log.info('admin login failed', { source: req.socket.remoteAddress });
      throw ApiErrors.wrongCredentials();
    }
  }

  private failure(err: unknown, method: string, path: string): ApiResponse {
    const known = toApiError(err);
    const apiError = known ?? ApiErrors.internal();
    if (!known) this.log.error('request failed', { method, path, err });
    return { status: apiError.status, json: apiError.body(), headers: apiError.options.headers ?? {} };
  }
}

/** `/api/users/` is `/api/users`. */
function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
