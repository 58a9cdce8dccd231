// `npm start` (scripts/start.sh) on a machine where Electron cannot run: it must fall back to the headless
// service, say so, print the console's address and serve the API. Runs the script itself, build included.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanup, loopbackFlags } from '../support/engine-process.js';
import { repoRoot, tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';

interface Started {
  pid: number;
  consoleUrl: string;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/** Every service a test started, stopped after the tests even when one fails half-way. */
const running = new Set<() => Promise<number | null>>();
after(async () => {
  for (const stop of running) await stop();
});

async function npmStart(env: NodeJS.ProcessEnv, dataDir: string): Promise<Started> {
  const sipPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(
    'bash',
    [
      path.join(repoRoot, 'scripts', 'start.sh'),
      '--data-dir',
      dataDir,
      ...loopbackFlags(sipPort, httpPort, 'start-script-pw'),
      '--log-level',
      'warn',
    ],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode;
    // The script exec's the service, so its PID is the service's.
    process.kill(child.pid!, 'SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
  running.add(stop);
  const deadline = Date.now() + 120_000; // the script builds first
  let consoleUrl: string | undefined;
  while (!consoleUrl) {
    consoleUrl = /Console: (\S+)/.exec(stdout)?.[1];
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`npm start exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no console address within 120 s:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(consoleUrl, `http://127.0.0.1:${httpPort}/`);
  return {
    pid: child.pid!,
    consoleUrl,
    stderr: () => stderr,
    stop,
  };
}

/** The environment of a machine without a desktop session. */
function withoutDesktop(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.PBX_HEADLESS;
  return { ...env, ...extra };
}

async function servesHealth(s: Started): Promise<void> {
  const r = await fetch(new URL('api/health', s.consoleUrl));
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { ok: boolean }).ok, true);
}

describe('npm start without Electron', () => {
  it('runs the headless service when there is no desktop session, prints the console address, stops on SIGTERM', async () => {
    const dataDir = tempDir('start-nodisplay');
    try {
      const s = await npmStart(withoutDesktop(), dataDir);
      await servesHealth(s);
      assert.match(s.stderr(), /no desktop session .* running the headless service/);
      assert.equal(await s.stop(), 0);
      assert.ok(fs.existsSync(path.join(dataDir, 'officepbx.db')));
    } finally {
      cleanup(dataDir);
    }
  });

  const electronInstalled = fs.existsSync(path.join(repoRoot, 'node_modules', 'electron', 'path.txt'));
  it(
    'runs the headless service on a desktop when Electron’s binary is missing and cannot be downloaded',
    {
      skip: electronInstalled && 'Electron’s binary is installed here: npm start would open the desktop app',
    },
    async () => {
      const dataDir = tempDir('start-nobinary');
      try {
        // A display is claimed, and Electron's download points nowhere, as on a machine without internet.
        const env = withoutDesktop({ DISPLAY: ':99', ELECTRON_MIRROR: 'http://127.0.0.1:9/' });
        const s = await npmStart(env, dataDir);
        await servesHealth(s);
        assert.match(s.stderr(), /no Electron binary on this machine .* running the headless service/);
        assert.equal(await s.stop(), 0);
      } finally {
        cleanup(dataDir);
      }
    },
  );
});
