import type { IncomingMessage } from 'node:http';
import { ApiErrors } from './api-errors.js';

/**
 * Past the limit, a body is still read (and thrown away) up to this many times the limit before the 413 is
 * sent: a client answered while it is still uploading often sees its upload cut (EPIPE) instead of the 413.
 * Bigger bodies are refused at once; that is the protection, and those clients may see a reset.
 */
const DRAIN_FACTOR = 2;

/** Reads the whole body, refusing (413) a body larger than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const drainUpTo = limit * DRAIN_FACTOR;
  if (Number.isFinite(declared) && declared > drainUpTo) return Promise.reject(ApiErrors.bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > drainUpTo) {
        cleanup();
        reject(ApiErrors.bodyTooLarge(limit));
        return;
      }
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0; // too large already: only read to the end, for a clean 413
    };
    const onEnd = (): void => {
      cleanup();
      if (size > limit) reject(ApiErrors.bodyTooLarge(limit));
      else resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Strict UTF-8 (a leading BOM is kept for the caller); 400 for anything else, e.g. a Windows-1252 file. */
export function decodeUtf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw ApiErrors.notUtf8();
  }
}

/** A JSON object body; 400 naming the cause for empty, malformed or non-object bodies. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = decodeUtf8(body).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw ApiErrors.emptyBody();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw ApiErrors.badJson(err instanceof Error ? err.message : String(err));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw ApiErrors.notAnObject();
  return value as Record<string, unknown>;
}
