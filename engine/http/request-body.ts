import type { IncomingMessage } from 'node:http';
import { ApiErrors } from './api-errors.js';

/** Reads the whole body, refusing (413) as soon as it is known to exceed `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(ApiErrors.bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(ApiErrors.bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
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
