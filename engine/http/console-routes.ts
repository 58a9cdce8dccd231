import net from 'node:net';
import os from 'node:os';
import type { AdminPassword } from './admin-password.js';
import { ApiError } from './api-error.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse } from './api-response.js';
import type { Route, RouteContext } from './route.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from './sessions.js';
import type { SessionStore } from './sessions.js';

/** Where the first-run choice of address is kept; the engine reads it on start. */
export const ADVERTISE_SETTING = 'network.advertise';

export const MIN_ADMIN_PASSWORD = 8;

/** A network interface the console offers as the address phones should use. */
export interface InterfaceAddress {
  name: string;
  address: string;
  internal: boolean;
}

export interface ConsoleRouteDeps {
  adminPassword: AdminPassword;
  sessions: SessionStore;
  /** The address in use now (written into SIP and SDP). */
  advertise: () => string;
  /** Stores the address phones should use from the next start. */
  saveAdvertise: (address: string) => void;
  interfaces?: () => InterfaceAddress[];
}

/** IPv4 addresses of this PC, LAN first, loopback last. */
export function localInterfaces(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, list] of Object.entries(os.networkInterfaces()))
    for (const a of list ?? [])
      if (a.family === 'IPv4') out.push({ name, address: a.address, internal: a.internal });
  return out.sort((a, b) => Number(a.internal) - Number(b.internal));
}

/** Failed console logins per source address: 5 in a row lock that address out for a minute. */
class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number }>();

  check(address: string): void {
    const f = this.failures.get(address);
    if (f && f.until > Date.now()) {
      const seconds = Math.ceil((f.until - Date.now()) / 1000);
      throw new ApiError(
        429,
        'TOO_MANY_LOGINS',
        `too many wrong passwords: wait ${seconds} s and try again`,
        {
          field: 'password',
          headers: { 'Retry-After': String(seconds) },
        },
      );
    }
  }

  failed(address: string): void {
    if (this.failures.size > 10_000) this.failures.clear();
    const f = this.failures.get(address) ?? { count: 0, until: 0 };
    f.count++;
    if (f.count >= 5) {
      f.until = Date.now() + 60_000;
      f.count = 0;
    }
    this.failures.set(address, f);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }
}

/**
 * The console's own routes: first-run setup (only while no admin password exists), login, logout and
 * "who am I". All are reachable without a session; everything else needs one (or HTTP Basic).
 */
export function consoleRoutes(deps: ConsoleRouteDeps): Route[] {
  const throttle = new LoginThrottle();
  const interfaces = deps.interfaces ?? localInterfaces;
  const loggedIn = (ctx: RouteContext): boolean => {
    const token = readCookie(ctx.req?.headers.cookie, SESSION_COOKIE);
    return token !== undefined && deps.sessions.touch(token);
  };
  const newSession = () => sessionCookie(deps.sessions.create(), deps.sessions.cookieMaxAgeSeconds);
  return [
    {
      method: 'GET',
      path: '/api/session',
      public: true,
      handle: (ctx) =>
        jsonResponse(200, {
          authenticated: deps.adminPassword.isSet() && loggedIn(ctx),
          setupNeeded: !deps.adminPassword.isSet(),
        }),
    },
    {
      method: 'POST',
      path: '/api/session',
      public: true,
      body: 'json',
      handle: async (ctx) => {
        if (!deps.adminPassword.isSet()) throw setupFirst();
        const source = ctx.req?.socket.remoteAddress ?? 'unknown';
        throttle.check(source);
        const password = ctx.json.password;
        if (typeof password !== 'string' || password === '')
          throw ApiErrors.invalidField('password', 'password: enter the admin password');
        if (!(await deps.adminPassword.verify(password))) {
          throttle.failed(source);
          ctx.log.info('console login failed', { source });
          throw new ApiError(401, 'WRONG_PASSWORD', 'that is not the admin password', { field: 'password' });
        }
        throttle.succeeded(source);
        ctx.log.info('console login', { source });
        return jsonResponse(200, { authenticated: true }, { 'Set-Cookie': newSession() });
      },
    },
    {
      method: 'DELETE',
      path: '/api/session',
      public: true,
      handle: (ctx) => {
        const token = readCookie(ctx.req?.headers.cookie, SESSION_COOKIE);
        if (token !== undefined) deps.sessions.end(token);
        return jsonResponse(200, { authenticated: false }, { 'Set-Cookie': clearedSessionCookie() });
      },
    },
    {
      method: 'GET',
      path: '/api/setup',
      public: true,
      handle: () =>
        jsonResponse(200, {
          needed: !deps.adminPassword.isSet(),
          advertise: deps.advertise(),
          interfaces: deps.adminPassword.isSet() ? [] : interfaces(),
          minPasswordLength: MIN_ADMIN_PASSWORD,
        }),
    },
    {
      method: 'POST',
      path: '/api/setup',
      public: true,
      body: 'json',
      handle: async (ctx) => {
        if (deps.adminPassword.isSet())
          throw new ApiError(409, 'ALREADY_SET_UP', 'OfficePBX is already set up: log in instead');
        const { password, advertise } = ctx.json;
        if (typeof password !== 'string' || password.length < MIN_ADMIN_PASSWORD)
          throw ApiErrors.invalidField(
            'password',
            `password: choose at least ${MIN_ADMIN_PASSWORD} characters`,
          );
        if (password.length > 200)
          throw ApiErrors.invalidField('password', 'password: 200 characters at most');
        if (typeof advertise !== 'string' || net.isIPv4(advertise) === false)
          throw ApiErrors.invalidField(
            'advertise',
            'advertise: choose the address phones should use (an IPv4 address of this PC)',
          );
        await deps.adminPassword.set(password);
        const restartNeeded = advertise !== deps.advertise();
        deps.saveAdvertise(advertise);
        ctx.log.info('first-run setup done', { advertise, restartNeeded });
        return jsonResponse(
          200,
          { authenticated: true, advertise, restartNeeded },
          { 'Set-Cookie': newSession() },
        );
      },
    },
  ];
}

function setupFirst(): ApiError {
  return new ApiError(409, 'SETUP_NEEDED', 'no admin password is set yet: complete the first-run setup');
}
