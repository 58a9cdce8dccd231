import type { AttendantConfig } from '../attendant/attendant-config.js';
import type { AttendantCheckContext } from '../attendant/attendant-validation.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';

/** What the auto-attendant routes need: its configuration, and what a change is checked against. */
export interface AttendantApi {
  current(): AttendantConfig;
  /** Validates, stores and returns the new configuration; throws ValidationError naming the field. */
  update(body: Readonly<Record<string, unknown>>, ctx: AttendantCheckContext): AttendantConfig;
  hasExtension(extension: string): boolean;
  /** Every prompt name there is (shipped and uploaded). */
  promptNames(): Promise<readonly string[]>;
  /** The zone business hours are read in when the configuration names none. */
  defaultTimeZone: string;
}

/**
 * `GET /api/autoattendant` (the configuration, with `effectiveTimeZone`) and `PUT /api/autoattendant`
 * (fields left out keep their value; the whole result is checked, the first problem answered 400 with
 * its field, e.g. `digits.3`).
 */
export function autoAttendantRoutes(api: AttendantApi): Route[] {
  const view = (c: AttendantConfig): Record<string, unknown> => ({
    ...c,
    effectiveTimeZone: c.timeZone ?? api.defaultTimeZone,
  });
  return [
    {
      method: 'GET',
      path: '/api/autoattendant',
      handle: () => jsonResponse(200, view(api.current())),
    },
    {
      method: 'PUT',
      path: '/api/autoattendant',
      body: 'json',
      handle: async ({ json }) => {
        const prompts = new Set(await api.promptNames());
        // effectiveTimeZone is read-only: a client may send back what GET returned.
        const { effectiveTimeZone: _ignored, ...body } = json;
        const next = api.update(body, {
          hasExtension: (e) => api.hasExtension(e),
          hasPrompt: (n) => prompts.has(n),
        });
        return jsonResponse(200, view(next));
      },
    },
  ];
}
