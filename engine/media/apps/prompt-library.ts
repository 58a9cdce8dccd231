import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../log/index.js';
import { Resampler } from '../audio/resampler.js';
import { parseWav } from '../audio/wav-file.js';

/** A prompt name: letters, digits, '-' and '_' (it becomes a file name, so nothing that walks the tree). */
export const PROMPT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The shipped prompts of a language: `prompts/<lang>/` at the top of the repository (and of the app). */
export function shippedPromptsDir(language = 'en'): string {
  // This file runs as dist/engine/media/apps/prompt-library.js.
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.join(here, '..', '..', '..', '..', 'prompts', language);
}

/** Where uploaded prompts go: `<data dir>/prompts/<lang>/<name>.wav`. */
export function customPromptsDir(dataDir: string, language = 'en'): string {
  return path.join(dataDir, 'prompts', language);
}

export class PromptNotFoundError extends Error {
  override name = 'PromptNotFoundError';
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  samples: Int16Array;
}

const MAX_CACHED = 400;

/**
 * Finds and loads prompts: the custom directory first (an office's own recordings, uploaded into the data
 * dir), then the shipped set. Files are read, converted to mono 16-bit at the rate the call needs and
 * cached; a cached prompt is re-read when its file changes (a new upload applies to the next call).
 * Reads are asynchronous and happen before a prompt starts playing, never on the media path.
 */
export class PromptLibrary {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    /** Searched in order; the first directory holding `<name>.wav` wins. */
    readonly dirs: readonly string[],
    private readonly log?: Logger,
  ) {}

  /** The file a prompt comes from, or undefined. */
  async resolve(name: string): Promise<{ file: string; mtimeMs: number; size: number } | undefined> {
    if (!PROMPT_NAME.test(name)) return undefined;
    for (const dir of this.dirs) {
      const file = path.join(dir, `${name}.wav`);
      try {
        const st = await fs.stat(file);
        if (st.isFile()) return { file, mtimeMs: st.mtimeMs, size: st.size };
      } catch {
        /* not in this directory */
      }
    }
    return undefined;
  }

  /** The prompt as mono 16-bit PCM at `sampleRate`. Throws PromptNotFoundError or the WAV's format error. */
  async load(name: string, sampleRate: number): Promise<Int16Array> {
    const found = await this.resolve(name);
    if (!found) throw new PromptNotFoundError(`no prompt "${name}" in ${this.dirs.join(', ')}`);
    const key = `${found.file}|${sampleRate}`;
    const hit = this.cache.get(key);
    if (hit && hit.mtimeMs === found.mtimeMs && hit.size === found.size) {
      this.cache.delete(key); // keep recently used entries at the end
      this.cache.set(key, hit);
      return hit.samples;
    }
    const wav = parseWav(await fs.readFile(found.file));
    const samples =
      wav.sampleRate === sampleRate
        ? wav.samples
        : new Resampler(wav.sampleRate, sampleRate).process(wav.samples);
    this.cache.set(key, { mtimeMs: found.mtimeMs, size: found.size, samples });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.log?.debug('prompt loaded', { name, file: found.file, rate: wav.sampleRate, to: sampleRate });
    return samples;
  }

  /** Drops a prompt's cached audio (after an upload or a delete), so the next call reads the file again. */
  forget(name: string): void {
    for (const key of [...this.cache.keys()])
      if (path.basename(key.slice(0, key.lastIndexOf('|'))) === `${name}.wav`) this.cache.delete(key);
  }

  /** Every prompt name available, custom and shipped. */
  async names(): Promise<string[]> {
    const out = new Set<string>();
    for (const dir of this.dirs) {
      const files = await fs.readdir(dir).catch(() => [] as string[]);
      for (const f of files)
        if (f.endsWith('.wav') && PROMPT_NAME.test(f.slice(0, -4))) out.add(f.slice(0, -4));
    }
    return [...out].sort();
  }
}
