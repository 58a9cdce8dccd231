import type { ApiSources } from './api-sources.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';

/** Health (no password: readiness probes use it), registrations and calls in progress. */
export function statusRoutes(sources: ApiSources): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/health',
      public: true,
      handle: ({ log }) => {
        try {
          const { ok, listeners } = sources.health();
          if (ok) return jsonResponse(200, { ok: true, listeners });
          return jsonResponse(503, { ok: false, listeners, error: 'not every listener is up yet' });
        } catch (err) {
          log.error('health check failed', { err });
          return jsonResponse(503, {
            ok: false,
            listeners: {},
            error: 'the health check itself failed; see the engine log',
          });
        }
      },
    },
    { method: 'GET', path: '/api/status', handle: () => jsonResponse(200, sources.status()) },
    { method: 'GET', path: '/api/registrations', handle: () => jsonResponse(200, sources.registrations()) },
    { method: 'GET', path: '/api/calls', handle: async () => jsonResponse(200, await sources.calls()) },
    {
      method: 'GET',
      path: '/api/calls/:callId/trace',
      handle: ({ params }) => {
        const callId = params.callId ?? '';
        const messages = sources.callTrace(callId);
        if (!messages) throw ApiErrors.traceNotKept(callId);
        return jsonResponse(200, { callId, messages });
      },
    },
  ];
}
