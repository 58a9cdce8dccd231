import fs from 'node:fs/promises';
import path from 'node:path';
import {
  convertPromptUpload,
  MAX_PROMPT_UPLOAD_BYTES,
  PromptUploadError,
} from '../media/apps/prompt-upload.js';
import { PROMPT_NAME, type PromptLibrary } from '../media/apps/prompt-library.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse, noContent } from './api-response.js';
import type { Route } from './route.js';

/** Where prompts come from: uploads (searched first) and the shipped set. */
export interface PromptApi {
  library: PromptLibrary;
  customDir: string;
  shippedDir: string;
}

export interface PromptView {
  name: string;
  /** An uploaded recording replaces the shipped one. */
  custom: boolean;
  /** Shipped with OfficePBX (DELETE of the upload brings it back). */
  shipped: boolean;
}

const wavNames = async (dir: string): Promise<Set<string>> => {
  const files = await fs.readdir(dir).catch(() => [] as string[]);
  return new Set(
    files.filter((f) => f.endsWith('.wav') && PROMPT_NAME.test(f.slice(0, -4))).map((f) => f.slice(0, -4)),
  );
};

/**
 * `GET /api/prompts`, `GET /api/prompts/:name/audio` (the WAV a call plays now), `PUT /api/prompts/:name`
 * (a WAV body replaces the prompt from the next call on) and `DELETE /api/prompts/:name` (back to the
 * shipped recording). Only prompts that exist can be replaced: the names are the ones the product plays.
 */
export function promptRoutes(api: PromptApi): Route[] {
  const known = async (raw: string | undefined): Promise<{ name: string; custom: boolean }> => {
    const name = raw ?? '';
    if (!PROMPT_NAME.test(name)) throw ApiErrors.promptNotFound(name);
    const [custom, shipped] = await Promise.all([wavNames(api.customDir), wavNames(api.shippedDir)]);
    if (!custom.has(name) && !shipped.has(name)) throw ApiErrors.promptNotFound(name);
    return { name, custom: custom.has(name) };
  };
  return [
    {
      method: 'GET',
      path: '/api/prompts',
      handle: async () => {
        const [custom, shipped] = await Promise.all([wavNames(api.customDir), wavNames(api.shippedDir)]);
        const names = [...new Set([...shipped, ...custom])].sort();
        const list: PromptView[] = names.map((name) => ({
          name,
          custom: custom.has(name),
          shipped: shipped.has(name),
        }));
        return jsonResponse(200, list);
      },
    },
    {
      method: 'GET',
      path: '/api/prompts/:name/audio',
      handle: async ({ params }) => {
        const { name } = await known(params.name);
        const found = await api.library.resolve(name);
        if (!found) throw ApiErrors.promptNotFound(name);
        return {
          status: 200,
          binary: await fs.readFile(found.file),
          contentType: 'audio/wav',
          headers: { 'Content-Disposition': `inline; filename="${name}.wav"` },
        };
      },
    },
    {
      method: 'PUT',
      path: '/api/prompts/:name',
      body: 'binary',
      bodyLimitBytes: MAX_PROMPT_UPLOAD_BYTES,
      handle: async ({ params, binary, log }) => {
        const { name } = await known(params.name);
        let converted;
        try {
          converted = convertPromptUpload(binary ?? Buffer.alloc(0));
        } catch (err) {
          if (err instanceof PromptUploadError) throw ApiErrors.invalidField('audio', err.message);
          throw err;
        }
        await fs.mkdir(api.customDir, { recursive: true });
        const file = path.join(api.customDir, `${name}.wav`);
        // Written aside and renamed: a call starting meanwhile reads the old file or the new, never half.
        const temp = `${file}.${process.pid}.upload`;
        await fs.writeFile(temp, converted.wav);
        await fs.rename(temp, file);
        api.library.forget(name);
        log.info('prompt replaced', { name, seconds: converted.seconds, rate: converted.sampleRate });
        const view: PromptView = { name, custom: true, shipped: (await wavNames(api.shippedDir)).has(name) };
        return jsonResponse(200, { ...view, seconds: Math.round(converted.seconds * 100) / 100 });
      },
    },
    {
      method: 'DELETE',
      path: '/api/prompts/:name',
      handle: async ({ params, log }) => {
        const { name, custom } = await known(params.name);
        if (custom) {
          await fs.rm(path.join(api.customDir, `${name}.wav`), { force: true });
          api.library.forget(name);
          log.info('uploaded prompt removed: the shipped one plays again', { name });
        }
        return noContent();
      },
    },
  ];
}
