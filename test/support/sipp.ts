import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sippDir, tempDir } from './paths.js';

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Successful / failed calls from sipp's final statistics (-trace_stat not needed: parsed from exit). */
  dir: string;
}

/** A users CSV for sipp: `user;password;[authentication username=… password=…]`. */
export function usersCsv(
  users: Array<{ user: string; password: string }>,
  order: 'SEQUENTIAL' | 'RANDOM' = 'SEQUENTIAL',
): string {
  const dir = tempDir('sipp-csv');
  const file = path.join(dir, 'users.csv');
  const lines = [
    order,
    ...users.map((u) => `${u.user};${u.password};[authentication username=${u.user} password=${u.password}]`),
  ];
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export function scenario(name: string): string {
  return path.join(sippDir, name);
}

/** A copy of a scenario with placeholders replaced (e.g. EXPECTED_STATUS). */
export function scenarioWith(name: string, replacements: Record<string, string>): string {
  let text = fs.readFileSync(scenario(name), 'utf8');
  for (const [k, v] of Object.entries(replacements)) text = text.split(k).join(v);
  const file = path.join(tempDir('sipp-sf'), name);
  fs.writeFileSync(file, text);
  return file;
}

export interface SippRun {
  child: ChildProcess;
  done: Promise<SippResult>;
}

/** Starts sipp; it always gets a wall-clock limit (-timeout) so a test can never hang on it. */
export function startSipp(args: string[], timeoutSeconds = 30): SippRun {
  const dir = tempDir('sipp-run');
  const child = spawn(
    'sipp',
    [
      ...args,
      '-timeout',
      `${timeoutSeconds}s`,
      '-timeout_error',
      '-nostdin',
      '-trace_err',
      '-error_file',
      path.join(dir, 'errors.log'),
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<SippResult>((resolve) => {
    child.once('exit', (code) => {
      let errors = '';
      try {
        errors = fs.readFileSync(path.join(dir, 'errors.log'), 'utf8');
      } catch {
        /* no errors logged */
      }
      resolve({ code, stdout, stderr: stderr + errors, dir });
    });
  });
  return { child, done };
}

export function runSipp(args: string[], timeoutSeconds = 30): Promise<SippResult> {
  return startSipp(args, timeoutSeconds).done;
}

export interface SippUser {
  user: string;
  password: string;
}

/** sipp arguments for one scripted call from `user`, bound to `port`, to extension `service`. */
export function uacArgs(
  target: string,
  scenarioFile: string,
  user: SippUser,
  port: number,
  service: string,
  ...extra: string[]
): string[] {
  return [
    target,
    '-sf',
    scenarioFile,
    '-inf',
    usersCsv([user]),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    '1',
    '-s',
    service,
    ...extra,
  ];
}

/** sipp arguments for a phone on `port` that takes one call with `scenarioFile` (keep-alives answered). */
export function uasArgs(scenarioFile: string, port: number, ...extra: string[]): string[] {
  return ['-sf', scenarioFile, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-aa', ...extra];
}

/** sipp arguments for one REGISTER of `user` from `port`. */
export function registerArgs(target: string, user: SippUser, port: number, ...extra: string[]): string[] {
  return [
    target,
    '-sf',
    scenario('register.xml'),
    '-inf',
    usersCsv([user]),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    '1',
    ...extra,
  ];
}
