import { Resampler } from '../audio/resampler.js';
import { encodeWav, parseWav, WavFormatError } from '../audio/wav-file.js';

/** Longest prompt an office may upload (a long greeting, not music on hold). */
export const MAX_PROMPT_SECONDS = 300;
export const MIN_PROMPT_SECONDS = 0.1;
/** A 300 s stereo 48 kHz 16-bit file is about 55 MB; this takes what the length limit lets through. */
export const MAX_PROMPT_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Rates a call plays without converting: kept as uploaded. Anything else becomes 8 kHz. */
const KEPT_RATES = new Set([8000, 16000]);

export class PromptUploadError extends Error {
  override name = 'PromptUploadError';
}

export interface ConvertedPrompt {
  /** A 16-bit mono PCM WAV at `sampleRate`: the form the prompt library reads fastest. */
  wav: Buffer;
  sampleRate: number;
  seconds: number;
}

/**
 * An uploaded recording as a prompt: any WAV the reader takes (PCM 8–32-bit, float, µ-law, A-law, mono or
 * stereo mixed down), at 8 or 16 kHz as is and at any other rate resampled to 8 kHz (what G.711 calls
 * play), between MIN_ and MAX_PROMPT_SECONDS long. Throws PromptUploadError saying what is wrong.
 */
export function convertPromptUpload(upload: Buffer): ConvertedPrompt {
  if (upload.length === 0) throw new PromptUploadError('the upload is empty: send a WAV file as the body');
  let audio;
  try {
    audio = parseWav(upload);
  } catch (err) {
    if (err instanceof WavFormatError)
      throw new PromptUploadError(`the upload is not a WAV file this PBX can read (${err.message})`);
    throw err;
  }
  const seconds = audio.samples.length / audio.sampleRate;
  if (seconds < MIN_PROMPT_SECONDS)
    throw new PromptUploadError(`the recording is too short (${seconds.toFixed(2)} s)`);
  if (seconds > MAX_PROMPT_SECONDS)
    throw new PromptUploadError(
      `the recording is ${Math.round(seconds)} s long; a prompt may be at most ${MAX_PROMPT_SECONDS} s`,
    );
  const rate = KEPT_RATES.has(audio.sampleRate) ? audio.sampleRate : 8000;
  const samples =
    rate === audio.sampleRate ? audio.samples : new Resampler(audio.sampleRate, rate).process(audio.samples);
  return { wav: encodeWav(samples, rate), sampleRate: rate, seconds: samples.length / rate };
}
