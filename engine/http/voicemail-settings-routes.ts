import type { VoicemailSettings } from '../store/voicemail-settings-repository.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';
import { mailboxOf } from './voicemail-routes.js';

/** What the settings routes need: read and save a user's voicemail rules, and which users exist. */
export interface VoicemailSettingsApi {
  get(extension: string): VoicemailSettings;
  set(extension: string, settings: VoicemailSettings): void;
  hasMailbox(extension: string): boolean;
}

/** Ring time limits: under 5 s a person cannot reach the phone; over 5 min the caller gave up long ago. */
export const RING_SECONDS_MIN = 5;
export const RING_SECONDS_MAX = 300;
const FLAGS = ['onNoAnswer', 'onBusy', 'onUnavailable'] as const;
const FIELDS: ReadonlySet<string> = new Set(['ringSeconds', ...FLAGS, 'extension']);

/**
 * `GET/PUT /api/voicemail/:extension/settings`: when that user's calls go to voicemail. PUT takes any of
 * the fields (the rest keep their values) and answers with all of them.
 */
export function voicemailSettingsRoutes(api: VoicemailSettingsApi): Route[] {
  const mailbox = (params: Readonly<Record<string, string>>): string => mailboxOf(params, api.hasMailbox);
  const path = '/api/voicemail/:extension/settings';
  return [
    {
      method: 'GET',
      path,
      handle: ({ params }) => {
        const ext = mailbox(params);
        return jsonResponse(200, { extension: ext, ...api.get(ext) });
      },
    },
    {
      method: 'PUT',
      path,
      body: 'json',
      handle: ({ params, json, log }) => {
        const ext = mailbox(params);
        const next = mergeSettings(api.get(ext), json, ext);
        api.set(ext, next);
        log.info('voicemail settings saved', { extension: ext, ...next });
        return jsonResponse(200, { extension: ext, ...next });
      },
    },
  ];
}

/** Validates a PUT body against the current settings; throws an error naming the first bad field. */
export function mergeSettings(
  current: VoicemailSettings,
  input: Readonly<Record<string, unknown>>,
  extension: string,
): VoicemailSettings {
  for (const key of Object.keys(input))
    if (!FIELDS.has(key))
      throw ApiErrors.invalidField(
        key,
        `unknown field "${key.slice(0, 40)}" (known fields: ringSeconds, ${FLAGS.join(', ')})`,
      );
  if (input.extension !== undefined && input.extension !== extension)
    throw ApiErrors.invalidField('extension', `extension must be ${extension} here (or left out)`);
  const next = { ...current };
  if (input.ringSeconds !== undefined) {
    const v = input.ringSeconds;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < RING_SECONDS_MIN || v > RING_SECONDS_MAX)
      throw ApiErrors.invalidField(
        'ringSeconds',
        `ringSeconds must be a whole number of seconds from ${RING_SECONDS_MIN} to ${RING_SECONDS_MAX}`,
      );
    next.ringSeconds = v;
  }
  for (const f of FLAGS) {
    const v = input[f];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw ApiErrors.invalidField(f, `${f} must be true or false`);
    next[f] = v;
  }
  return next;
}
