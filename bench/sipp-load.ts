// Runs sipp as a bounded load generator and reads its own statistics (-trace_stat) and error log.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../test/support/paths.js';
import { isAlive } from './proc-stats.js';

/** Socket buffers for sipp (the kernel's rmem_max here): a full buffer drops datagrams and looks like loss. */
const BUFF_SIZE = '4194304';

export interface SippLoad {
  /** Scenario file (absolute path). */
  scenario: string;
  /** host:port of the server under test. */
  target: string;
  usersCsv: string;
  localPort: number;
  /** -r: new scenarios per second. */
  rate: number;
  /** -l: scenarios in flight at most. */
  limit: number;
  /** -m: scenarios in all. */
  max: number;
  /** sipp's -timeout: the run stops after this many seconds whatever happens. */
  timeoutSeconds: number;
  /** Further sipp arguments (e.g. -s EXT -d 0). */
  extra?: string[];
}

export interface SippLoadResult {
  created: number;
  ok: number;
  failed: number;
  /** Wall seconds from sipp's statistics: StartTime to the final CurrentTime. */
  seconds: number;
  retransmissions: number;
  /** Successful scenarios per wall second. */
  rate: number;
  exitCode: number | null;
  /** The kinds of error sipp logged, most frequent first, as "count × description". */
  errors: string[];
}

/** Load runs in progress, so that an interrupted bench can stop them. */
const running = new Set<ChildProcess>();

/** Kills every load sipp still running (SIGKILL: they are bounded and their figures are not wanted). */
export function killRunningLoads(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Runs one load to its end (all scenarios done, or the timeout) and returns sipp's figures. */
export async function runSippLoad(load: SippLoad): Promise<SippLoadResult> {
  const dir = tempDir('bench-sipp');
  const args = [
    load.target,
    '-sf',
    load.scenario,
    '-inf',
    load.usersCsv,
    '-i',
    '127.0.0.1',
    '-p',
    String(load.localPort),
    '-r',
    String(load.rate),
    '-l',
    String(load.limit),
    '-m',
    String(load.max),
    '-timeout',
    `${load.timeoutSeconds}s`,
    '-recv_timeout',
    '8000',
    '-buff_size',
    BUFF_SIZE,
    '-nostdin',
    '-trace_stat',
    '-stf',
    'stat.csv',
    '-fd',
    '1',
    '-trace_err',
    '-error_file',
    'errors.log',
    ...(load.extra ?? []),
  ];
  try {
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exitCode = await waitForExit(child, (load.timeoutSeconds + 15) * 1000);
    const stats = readStats(path.join(dir, 'stat.csv'));
    if (!stats) throw new Error(`sipp wrote no statistics (exit ${exitCode}): ${stderr.trim().slice(-500)}`);
    return { ...stats, exitCode, errors: summarizeErrors(path.join(dir, 'errors.log')) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits for a child to exit; past `hardMs` it is killed (SIGKILL) so no run can hang the bench. */
function waitForExit(child: ChildProcess, hardMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), hardMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

type Stats = Omit<SippLoadResult, 'exitCode' | 'errors'>;

function readStats(file: string): Stats | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const rows = text.trim().split('\n');
  const header = rows[0]?.split(';') ?? [];
  const last = rows.at(-1)?.split(';') ?? [];
  if (rows.length < 2) return undefined;
  const field = (name: string): string => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`sipp statistics have no column ${name}`);
    return last[i] ?? '';
  };
  // Times are "date<TAB>time<TAB>epoch.micros": the epoch is the last part.
  const epoch = (name: string): number => Number(field(name).split('\t').at(-1));
  const seconds = epoch('CurrentTime') - epoch('StartTime');
  const ok = Number(field('SuccessfulCall(C)'));
  return {
    created: Number(field('TotalCallCreated')),
    ok,
    failed: Number(field('FailedCall(C)')),
    seconds,
    retransmissions: Number(field('Retransmissions(C)')),
    rate: seconds > 0 ? ok / seconds : 0,
  };
}

/** Groups sipp's error log by kind: call ids, tags, branches and times are taken out. */
function summarizeErrors(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const counts = new Map<string, number>();
  // Each entry starts with "YYYY-MM-DD<TAB>hh:mm:ss.us<TAB>epoch: "; a quoted SIP message may follow.
  for (const entry of text.split(/\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: /).slice(1)) {
    const firstLine = entry.split('\n')[0] ?? '';
    const kind = firstLine
      .replace(/'?[\w.-]+@[\w.-]+'?/g, '<call>')
      .replace(/Dead call <call>/, 'Dead call')
      .replace(/(received 'SIP\/2\.0 \d+ [^']*?)'?$/, '$1')
      .replace(/(received '[A-Z]+) .*/, '$1')
      .trim();
    if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`);
}

/** A sipp running in the background until stopped (the answering phone of the call load). */
export interface BackgroundSipp {
  pid: number;
  stop(): Promise<void>;
}

export function startBackgroundSipp(args: string[]): BackgroundSipp {
  const dir = tempDir('bench-uas');
  const child = spawn('sipp', [...args, '-nostdin', '-buff_size', BUFF_SIZE], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopChild = async (): Promise<void> => {
    // sipp quits on SIGTERM once it has cleaned up; SIGKILL if it has not after 3 s.
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  return {
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) await stopChild();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sipp users file: `SEQUENTIAL`, then `user;pw<user>;[authentication …]` for first..last. */
export function writeUsersCsv(file: string, first: number, last: number): string {
  const lines = ['SEQUENTIAL'];
  for (let u = first; u <= last; u++)
    lines.push(`${u};pw${u};[authentication username=${u} password=pw${u}]`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
