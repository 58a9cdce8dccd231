import fs from 'node:fs';
import { resample } from '../media/audio/resampler.js';
import { parseWav, WavFormatError } from '../media/audio/wav-file.js';
import type { VoicemailBoxes } from '../media/apps/voicemail-boxes.js';
import type { VoicemailMessage } from '../store/voicemail-repository.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse, noContent } from './api-response.js';
import type { Route } from './route.js';

/** What the voicemail routes need: the mailboxes, and which extensions have one. */
export interface VoicemailApi {
  boxes: VoicemailBoxes;
  hasMailbox(extension: string): boolean;
  /** Told after the API changed a mailbox (heard, deleted, greeting): the console's live view follows. */
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

/** The rate calls play at (G.711), and so the rate greetings are stored at: no resampling per call. */
const GREETING_RATE = 8000;
/** Longest greeting accepted, as the feature promises; and shortest, so a slip of the mouse is refused. */
export const GREETING_MAX_SECONDS = 300;
const GREETING_MIN_SECONDS = 0.5;
/** Enough for 5 minutes of 16-bit mono at 48 kHz (28.8 MB); a WAV past it is refused with 413. */
export const GREETING_MAX_BYTES = 32 * 1024 * 1024;

/**
 * An uploaded greeting: any WAV the prompts accept (PCM 8–32-bit, float, A-law, µ-law; any rate; mono or
 * stereo), 0.5 s to 5 minutes long, converted to 8 kHz 16-bit mono. 400 naming `greeting` otherwise.
 */
export function decodeGreeting(body: Buffer): Int16Array {
  if (body.length === 0)
    throw ApiErrors.invalidField('greeting', 'greeting is empty: send a WAV file as the body');
  let wav;
  try {
    wav = parseWav(body);
  } catch (err) {
    if (!(err instanceof WavFormatError)) throw err;
    throw ApiErrors.invalidField(
      'greeting',
      `greeting must be a WAV file (PCM, A-law or µ-law): ${err.message}`,
    );
  }
  const seconds = wav.samples.length / wav.sampleRate;
  if (seconds > GREETING_MAX_SECONDS)
    throw ApiErrors.invalidField(
      'greeting',
      `greeting is ${Math.round(seconds)} s long; at most ${GREETING_MAX_SECONDS / 60} minutes are accepted`,
    );
  if (seconds < GREETING_MIN_SECONDS)
    throw ApiErrors.invalidField(
      'greeting',
      `greeting is ${seconds.toFixed(2)} s long; at least ${GREETING_MIN_SECONDS} s is needed`,
    );
  return wav.sampleRate === GREETING_RATE
    ? wav.samples
    : resample(wav.samples, wav.sampleRate, GREETING_RATE);
}

/** The `:extension` of a mailbox route, or 404 naming it when no user has that extension. */
export function mailboxOf(
  params: Readonly<Record<string, string>>,
  hasMailbox: (extension: string) => boolean,
): string {
  const ext = params.extension ?? '';
  if (!hasMailbox(ext)) throw ApiErrors.mailboxNotFound(ext);
  return ext;
}

/**
 * `/api/voicemail/:extension` (newest first), `…/:id` (PUT `{heard}`, DELETE: row and file),
 * `…/:id/audio` (the WAV) and `…/greeting` (GET the WAV, PUT a WAV, DELETE: back to the standard one). Fetching the audio does not mark a message heard: the console does that.
 */
export function voicemailRoutes(api: VoicemailApi): Route[] {
  const mailbox = (params: Readonly<Record<string, string>>): string => mailboxOf(params, api.hasMailbox);
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
      path: '/api/voicemail/:extension/greeting',
      handle: async ({ params }) => {
        const ext = mailbox(params);
        const file = api.boxes.customGreeting(ext);
        let binary: Buffer | undefined;
        try {
          binary = file ? await fs.promises.readFile(file) : undefined;
        } catch {
          binary = undefined; // deleted between the check and the read
        }
        if (!binary) throw ApiErrors.greetingNotFound(ext);
        return {
          status: 200,
          binary,
          contentType: 'audio/wav',
          headers: { 'Content-Disposition': `inline; filename="greeting-${ext}.wav"` },
        };
      },
    },
    {
      method: 'PUT',
      path: '/api/voicemail/:extension/greeting',
      body: 'binary',
      bodyLimitBytes: GREETING_MAX_BYTES,
      handle: ({ params, binary, log }) => {
        const ext = mailbox(params);
        const samples = decodeGreeting(binary ?? Buffer.alloc(0));
        api.boxes.setGreeting(ext, samples, GREETING_RATE);
        api.changed?.(ext);
        log.info('greeting uploaded', { extension: ext, seconds: samples.length / GREETING_RATE });
        return jsonResponse(200, {
          extension: ext,
          seconds: Math.round((samples.length / GREETING_RATE) * 10) / 10,
        });
      },
    },
    {
      method: 'DELETE',
      path: '/api/voicemail/:extension/greeting',
      handle: ({ params }) => {
        const ext = mailbox(params);
        if (!api.boxes.deleteGreeting(ext)) throw ApiErrors.greetingNotFound(ext);
        api.changed?.(ext);
        return noContent();
      },
    },
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
