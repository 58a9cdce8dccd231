// Builds the relay load probe's C traffic generator (bench/rtp-loadgen.c) with the system C compiler at run
// time: no npm package, no build step of its own. The binary lands in the temp folder under a name made of
// the source's hash, so a changed source is rebuilt and concurrent runs (several worktrees) never clash.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed source (bench/, next to the TypeScript this is compiled from into dist/bench/). */
export const C_GENERATOR_SOURCE = fileURLToPath(new URL('../../bench/rtp-loadgen.c', import.meta.url));

export type CGeneratorBuild = { ok: true; binary: string } | { ok: false; reason: string };

let cached: CGeneratorBuild | undefined;

/** Compiles (once per source version) and returns the binary's path, or why it could not be built. */
export function buildCGenerator(): CGeneratorBuild {
  if (cached) return cached;
  cached = build();
  return cached;
}

function build(): CGeneratorBuild {
  if (process.platform !== 'linux')
    return { ok: false, reason: 'the C generator needs Linux (recvmmsg, sendmmsg)' };
  let source: Buffer;
  try {
    source = fs.readFileSync(C_GENERATOR_SOURCE);
  } catch {
    return { ok: false, reason: `${C_GENERATOR_SOURCE} is missing` };
  }
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'officepbx-rtp-loadgen');
  const binary = path.join(dir, `rtp-loadgen-${hash}`);
  if (fs.existsSync(binary)) return { ok: true, binary };
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const compilers = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
  const failures: string[] = [];
  for (const cc of compilers) {
    const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-pthread', '-o', partial, C_GENERATOR_SOURCE], {
      encoding: 'utf8',
    });
    if (r.error) {
      failures.push(`${cc}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
      continue;
    }
    if (r.status !== 0) {
      fs.rmSync(partial, { force: true });
      failures.push(`${cc}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      continue;
    }
    fs.renameSync(partial, binary); // atomic: another run never sees a half-written binary
    return { ok: true, binary };
  }
  return {
    ok: false,
    reason: `no C compiler could build ${path.basename(C_GENERATOR_SOURCE)} (${failures.join('; ')})`,
  };
}
