import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json), from source or from dist/. */
export const repoRoot = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

export const sippDir = path.join(repoRoot, 'test', 'sipp');

/**
 * The RFC 4475 torture messages: a byte-exact copy of ../shared/conformance/rfc4475 kept in the repository,
 * so that a clone anywhere runs them; rfc4475.test.ts checks it against the shared corpus when that sits
 * beside the repository.
 */
export const rfc4475Dir = path.join(repoRoot, 'test', 'fixtures', 'rfc4475');
export const sharedRfc4475Dir = path.resolve(repoRoot, '..', 'shared', 'conformance', 'rfc4475');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', `officepbx-${prefix}-`));
}
