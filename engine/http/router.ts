import { ApiErrors } from './api-errors.js';
import type { Route } from './route.js';

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; allow: string[] }
  | { kind: 'none' };

interface Pattern {
  path: string;
  segments: string[];
  routes: Route[];
}

/**
 * Finds the route for a method and path. Among the patterns that fit a path, the one with literal
 * segments earliest wins (`/api/users/export` before `/api/users/:extension`), and only its routes
 * are considered — so `GET /api/users/import` is a 405, not a lookup of extension "import".
 */
export class Router {
  private readonly patterns: Pattern[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      let p = this.patterns.find((x) => x.path === route.path);
      if (!p) this.patterns.push((p = { path: route.path, segments: route.path.split('/'), routes: [] }));
      if (p.routes.some((r) => r.method === route.method))
        throw new Error(`duplicate route ${route.method} ${route.path}`);
      p.routes.push(route);
    }
    this.patterns.sort((a, b) => specificity(b) - specificity(a));
  }

  /** `rawPath` is still percent-encoded; parameters are decoded one segment at a time. */
  match(method: string, rawPath: string): RouteMatch {
    const segments = rawPath.split('/');
    const pattern = this.patterns.find((p) => fits(p.segments, segments));
    if (!pattern) return { kind: 'none' };
    const route = pattern.routes.find((r) => r.method === method);
    if (!route) return { kind: 'wrong-method', allow: pattern.routes.map((r) => r.method) };
    const params: Record<string, string> = {};
    pattern.segments.forEach((s, i) => {
      if (s.startsWith(':')) params[s.slice(1)] = decodeSegment(segments[i] ?? '');
    });
    return { kind: 'found', route, params };
  }
}

function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  return (
    pattern.length === segments.length &&
    pattern.every((s, i) => (s.startsWith(':') ? segments[i] !== '' : s === segments[i]))
  );
}

/** Literal segments weigh more the earlier they come. */
function specificity(p: Pattern): number {
  return p.segments.reduce((sum, s, i) => (s.startsWith(':') ? sum : sum + 2 ** (32 - i)), 0);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw ApiErrors.badPathSegment(segment);
  }
}
