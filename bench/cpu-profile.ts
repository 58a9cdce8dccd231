// Optional CPU profiles of OfficePBX during the loads (PBX_BENCH_CPU_PROF=DIR): written as DIR/NAME.cpuprofile
// (open in Chrome DevTools or speedscope) and summarized on stderr as the functions with the most self time.
import fs from 'node:fs';
import path from 'node:path';
import { note } from './bench-output.js';
import type { CpuProfile, Inspector } from './inspector.js';

/** Self time per function, most first: "12.3% name (file:line)". */
export function topSelfTime(profile: CpuProfile, count: number): string[] {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = node.hitCount ?? 0;
    if (n === 0) continue;
    const f = node.callFrame;
    const file = f.url ? path.basename(f.url) : '';
    const key = `${f.functionName || '(anonymous)'}${file ? ` (${file}:${f.lineNumber + 1})` : ''}`;
    hits.set(key, (hits.get(key) ?? 0) + n);
    total += n;
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, n]) => `${((100 * n) / Math.max(total, 1)).toFixed(1).padStart(5)}% ${k}`);
}

/** Runs `work` under the profiler when a profile folder is set, else just runs it. */
export async function profiled<T>(
  inspector: Inspector,
  dir: string | undefined,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!dir) return work();
  await inspector.startProfile();
  let result: T;
  try {
    result = await work();
  } finally {
    const profile = await inspector.stopProfile();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    note(`CPU profile ${file}; most self time:`);
    for (const line of topSelfTime(profile, 20)) note(`  ${line}`);
  }
  return result;
}
