import fs from 'node:fs';
import type { VoicemailBoxes } from '../media/apps/voicemail-boxes.js';
import type { VoicemailMessage } from '../store/voicemail-repository.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse, noContent } from './api-response.js';
import type { Route } from './route.js';

/** What the voicemail routes need: the mailboxes, and which extensions have one. */
export interface VoicemailApi {
  boxes: VoicemailBoxes;
  hasMailbox(extension: string): boolean;
  /** Told after the API changed a mailbox (heard, deleted): the console's live view follows. */
  changed?(extension: string): void;
}

/** A message as the API shows it. */
export interface VoicemailView {
  id: number;
  extension: string;
  caller: string;
  callerName: string | null;
  created: string;
  seconds: number;
  heard: boolean;
}

const view = (m: VoicemailMessage): VoicemailView => ({
  id: m.id,
  extension: m.mailbox,
  caller: m.caller,
  callerName: m.callerName,
  created: new Date(m.created).toISOString(),
  seconds: m.seconds,
  heard: m.heard,
});

/**
 * `/api/voicemail/:extension` (newest first), `…/:id` (PUT `{heard}`, DELETE: row and file) and
 * `…/:id/audio` (the WAV). Fetching the audio does not mark a message heard: the console does that.
 */
export function voicemailRoutes(api: VoicemailApi): Route[] {
  const mailbox = (params: Readonly<Record<string, string>>): string => {
    const ext = params.extension ?? '';
    if (!api.hasMailbox(ext)) throw ApiErrors.mailboxNotFound(ext);
    return ext;
  };
  const message = (params: Readonly<Record<string, string>>): VoicemailMessage => {
    const ext = mailbox(params);
    const raw = params.id ?? '';
    const m = /^[1-9][0-9]{0,15}$/.test(raw) ? api.boxes.get(ext, Number(raw)) : undefined;
    if (!m) throw ApiErrors.voicemailNotFound(ext, raw);
    return m;
  };
  return [
    {
      method: 'GET',
      path: '/api/voicemail/:extension',
      handle: ({ params }) => jsonResponse(200, api.boxes.list(mailbox(params)).map(view)),
    },
    {
      method: 'GET',
      path: '/api/voicemail/:extension/:id',
      handle: ({ params }) => jsonResponse(200, view(message(params))),
    },
    {
      method: 'PUT',
      path: '/api/voicemail/:extension/:id',
      body: 'json',
      handle: ({ params, json }) => {
        const m = message(params);
        if (typeof json.heard !== 'boolean')
          throw ApiErrors.invalidField('heard', 'heard must be true or false');
        const saved = view(api.boxes.setHeard(m.mailbox, m.id, json.heard)!);
        api.changed?.(m.mailbox);
        return jsonResponse(200, saved);
      },
    },
    {
      method: 'DELETE',
      path: '/api/voicemail/:extension/:id',
      handle: ({ params, log }) => {
        const m = message(params);
        api.boxes.delete(m.mailbox, m.id);
        api.changed?.(m.mailbox);
        log.info('voicemail deleted', { extension: m.mailbox, id: m.id });
        return noContent();
      },
    },
    {
      method: 'GET',
      path: '/api/voicemail/:extension/:id/audio',
      handle: async ({ params }) => {
        const m = message(params);
        let binary: Buffer;
        try {
          binary = await fs.promises.readFile(api.boxes.fileOf(m));
        } catch {
          throw ApiErrors.voicemailNotFound(m.mailbox, String(m.id));
        }
        return {
          status: 200,
          binary,
          contentType: 'audio/wav',
          headers: { 'Content-Disposition': `inline; filename="voicemail-${m.mailbox}-${m.id}.wav"` },
        };
      },
    },
  ];
}
