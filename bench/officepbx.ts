// OfficePBX as the bench runs it: the headless service (via the tests' launcher) with the V8 inspector on
// a loopback port so the bench can force a GC, read the heap and take CPU profiles.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startEngine, type RunningEngine } from '../test/support/engine-process.js';
import { repoRoot } from '../test/support/paths.js';
import { freePort } from '../test/support/ports.js';

export interface BenchPbx {
  engine: RunningEngine;
  inspectorPort: number;
  /** Whether --media-relay off was passed (builds before the media relay have no such flag). */
  mediaRelayOff: boolean;
}

/** True when the service has `--media-relay` (read from its --help). */
function hasMediaRelayFlag(): boolean {
  const help = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'engine', 'cli.js'), '--help'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return help.stdout.includes('--media-relay');
}

/**
 * Starts OfficePBX. Password-guessing protection is off: every sipp call comes from 127.0.0.1, and a few
 * answers lost under overload must not get the load generator blocked for ten minutes. The media relay is
 * off: the rig's Kamailio relays no media either, so both do signalling only.
 */
export async function startBenchPbx(): Promise<BenchPbx> {
  const inspectorPort = await freePort();
  const mediaOff = hasMediaRelayFlag() ? ['--media-relay', 'off'] : [];
  const engine = await startEngine({
    args: [
      '--qualify-interval',
      '0',
      '--log-level',
      'warn',
      '--auth-fail-slow',
      '0',
      '--auth-fail-block',
      '0',
      ...mediaOff,
    ],
    env: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` },
  });
  return { engine, inspectorPort, mediaRelayOff: mediaOff.length > 0 };
}

/** Creates users first..first+count-1 (secret pw<ext>) with one CSV import. */
export async function importUsers(engine: RunningEngine, first: number, count: number): Promise<void> {
  const rows = ['extension,name,secret'];
  for (let u = first; u < first + count; u++) rows.push(`${u},Bench ${u},pw${u}`);
  const r = await engine.api<{ imported?: number }>(
    'POST',
    '/api/users/import',
    rows.join('\n') + '\n',
    'text/csv',
  );
  if (r.status >= 300 || r.body.imported !== count)
    throw new Error(`user import failed: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
}
