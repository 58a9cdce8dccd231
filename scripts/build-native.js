// Part of `npm run build`: builds the native media relay addon (engine/media/relay/native, plain N-API C)
// with node-gyp and copies it into dist/, where the relay looks for it. The addon is optional: when it
// cannot be built (no C compiler, no Node headers, not Linux) this prints why and exits 0, and the relay
// forwards in Node worker threads instead (README, Troubleshooting). PBX_RELAY_NATIVE=0 skips it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'engine/media/relay/native');
const built = path.join(dir, 'build/Release/officepbx_relay.node');
const target = path.join(root, 'dist/engine/media/relay/native/officepbx_relay.node');

function skip(reason) {
  process.stderr.write(
    `native media relay not built: ${reason}\n` +
      '  (optional: the built-in relay then forwards in Node worker threads; see README, Troubleshooting)\n',
  );
  fs.rmSync(target, { force: true });
  process.exit(0);
}

/** npm's own node-gyp (npm ships it), else one on PATH. */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.dirname(process.env.npm_execpath));
  candidates.push(path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin'));
  for (const from of candidates) {
    try {
      return [process.execPath, createRequire(path.join(from, 'x.js')).resolve('node-gyp/bin/node-gyp.js')];
    } catch {
      // not there
    }
  }
  return ['node-gyp'];
}

if (process.env.PBX_RELAY_NATIVE === '0') skip('PBX_RELAY_NATIVE=0');
if (process.platform !== 'linux') skip(`it needs Linux (epoll, recvmmsg), this is ${process.platform}`);

const sources = fs
  .readdirSync(dir)
  .filter((f) => /\.(c|h|gyp)$/.test(f))
  .map((f) => fs.statSync(path.join(dir, f)).mtimeMs);
const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(...sources);
if (!fresh) {
  const args = ['rebuild'];
  // Offline builds: use the headers installed with Node instead of downloading them.
  const headers = path.resolve(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(headers, 'include/node/node_api.h')))
    args.push(`--nodedir=${headers}`);
  const [cmd, ...pre] = nodeGyp();
  const r = spawnSync(cmd, [...pre, ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    skip(`node-gyp failed (${r.error?.message ?? `exit ${r.status}`})\n${output}`);
  }
}
fs.mkdirSync(path.dirname(target), { recursive: true });
// Copy, then rename over the old file: a running relay has the old one mapped, and overwriting it in place
// would crash that process.
fs.copyFileSync(built, `${target}.tmp`);
fs.renameSync(`${target}.tmp`, target);
