import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.js';
import { repoRoot, tempDir } from './paths.js';

export interface RunningEngine {
  pid: number;
  sipPort: number;
  httpPort: number;
  dataDir: string;
  baseUrl: string;
  password: string;
  /** Everything the service wrote to stderr (JSON log lines). */
  logs(): string;
  api<T = unknown>(
    method: string,
    urlPath: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: T }>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

export interface EngineOptions {
  dataDir?: string;
  sipPort?: number;
  httpPort?: number;
  args?: string[];
  env?: Record<string, string>;
  /** Start like a fresh install: no admin password, so the console's first-run wizard shows. */
  firstRun?: boolean;
}

/** The flags that put an engine on loopback at the given ports (tests never listen on other addresses). */
export function loopbackFlags(sipPort: number, httpPort: number, password?: string): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--advertise',
    '127.0.0.1',
    '--sip-port',
    String(sipPort),
    '--http-port',
    String(httpPort),
    ...(password === undefined ? [] : ['--admin-password', password]),
    // Provisioning on free ports and no multicast plug-and-play unless a test asks (later flags win).
    '--tftp-port',
    '0',
    '--prov-port',
    '0',
    '--pnp',
    'off',
  ];
}

/** Starts the headless service exactly as a user does (`node dist/engine/cli.js`), waits for /api/health. */
export async function startEngine(opts: EngineOptions = {}): Promise<RunningEngine> {
  const sipPort = opts.sipPort ?? (await freePort());
  const httpPort = opts.httpPort ?? (await freePort());
  const dataDir = opts.dataDir ?? tempDir('data');
  const password = 'test-admin-pw';
  const args = [
    path.join(repoRoot, 'dist', 'engine', 'cli.js'),
    '--data-dir',
    dataDir,
    ...loopbackFlags(sipPort, httpPort, opts.firstRun ? undefined : password),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const api = async <T>(
    method: string,
    urlPath: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: T }> => {
    // The password may change after start (the first-run wizard chooses one): read it at each call.
    const auth = 'Basic ' + Buffer.from(`admin:${engine.password}`).toString('base64');
    const headers: Record<string, string> = { authorization: auth };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = contentType ?? (typeof body === 'string' ? 'text/csv' : 'application/json');
    }
    const res = await fetch(baseUrl + urlPath, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* CSV or empty */
    }
    return { status: res.status, body: parsed as T };
  };
  const deadline = Date.now() + 20_000;
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`engine exited with ${exitCode} before it was ready:\n${stderr}`);
    try {
      const r = await fetch(baseUrl + '/api/health');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`engine not healthy within 20 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const engine: RunningEngine = {
    pid: child.pid!,
    sipPort,
    httpPort,
    dataDir,
    baseUrl,
    password,
    logs: () => stderr,
    api,
    child,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  return engine;
}

export function cleanup(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
