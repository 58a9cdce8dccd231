// The reference Kamailio of the rig (../shared/rig/kamailio/run.sh), started and stopped by PID.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test/support/paths.js';
import { sleep } from './bench-output.js';
import { isAlive } from './proc-stats.js';

export const rigDir = path.resolve(repoRoot, '..', 'shared', 'rig');
const runScript = path.join(rigDir, 'kamailio', 'run.sh');

export interface RunningKamailio {
  /** The main process; its workers are its children. */
  pid: number;
  /** Its ERROR log lines grouped by kind (numbers taken out), most frequent first: "count × text". */
  errors(): string[];
  stop(): Promise<void>;
}

function logErrors(logFile: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.includes('ERROR:')) continue;
    const kind = line.slice(line.indexOf('ERROR:')).replace(/\d+/g, 'N');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`);
}

/** Why Kamailio cannot be measured here, or undefined when it can. */
export function kamailioMissing(): string | undefined {
  if (!fs.existsSync(runScript)) return `the rig is missing (${runScript} not found)`;
  const which = spawnSync('bash', ['-c', 'command -v kamailio'], { encoding: 'utf8' });
  if (which.status !== 0)
    return 'kamailio is not installed (PBX_BENCH_DEPS=1 bash scripts/install-test-deps.sh)';
  return undefined;
}

export async function startKamailio(port: number): Promise<RunningKamailio> {
  const run = spawnSync('bash', [runScript, String(port)], { encoding: 'utf8', timeout: 30_000 });
  const pidFile = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !pidFile.endsWith('.pid') || !fs.existsSync(pidFile))
    throw new Error(`kamailio did not start: ${run.stdout}${run.stderr}`);
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  const workDir = path.dirname(pidFile);
  if (!Number.isInteger(pid) || !isAlive(pid)) throw new Error(`kamailio exited at start; see ${workDir}`);
  await sleep(500); // its workers bind and start
  return {
    pid,
    errors: () => logErrors(path.join(workDir, 'kamailio.log')),
    stop: async () => {
      if (isAlive(pid)) {
        process.kill(pid, 'SIGTERM'); // the main process stops its workers
        for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
