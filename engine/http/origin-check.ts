import type { IncomingMessage } from 'node:http';

/**
 * Cross-site request forgery guard. A browser that has the admin's Basic credentials would send them
 * with a form or fetch from any web page; browsers mark such requests with `Origin`. A request that
 * changes something is refused when its Origin is not this server. Tools (curl, scripts, the engine's
 * own tests) send no Origin and are not affected.
 */
export function foreignOrigin(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  const host = req.headers.host;
  if (origin === `http://${host}` || origin === `https://${host}`) return null;
  return origin;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function changesState(method: string): boolean {
  return !SAFE_METHODS.has(method);
}
