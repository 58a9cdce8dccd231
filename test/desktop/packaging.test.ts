// build/electron-builder.yml, checked with electron-builder's own loader and schema validation, and its
// file patterns run through electron-builder's own matcher against the real dist/ tree. Building the
// installers themselves needs Electron's binaries from the internet, which these machines do not have.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot } from '../support/paths.js';

interface BuilderConfig {
  appId?: string;
  productName?: string;
  files?: Array<string | { filter?: string[] }>;
  asarUnpack?: string[];
  npmRebuild?: boolean;
  directories?: { buildResources?: string; output?: string };
  linux?: { target?: string[]; icon?: string };
  win?: { target?: string[]; icon?: string };
  mac?: { target?: string[]; icon?: string };
  [key: string]: unknown;
}
type Filter = (file: string, stat: fs.Stats) => boolean;
interface FileMatcherClass {
  new (
    from: string,
    to: string,
    expand: (p: string) => string,
    patterns?: string[],
  ): { createFilter(): Filter };
}

// app-builder-lib is CommonJS without an exports map; its loader and validator are what `electron-builder` runs.
const require = createRequire(import.meta.url);
const lib = path.join(repoRoot, 'node_modules', 'app-builder-lib', 'out');
const { getConfig, validateConfiguration } = require(path.join(lib, 'util', 'config', 'config.js')) as {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debug: unknown): Promise<void>;
};
const { FileMatcher } = require(path.join(lib, 'fileMatcher.js')) as { FileMatcher: FileMatcherClass };
const { DebugLogger } = require(
  path.join(repoRoot, 'node_modules', 'builder-util', 'out', 'DebugLogger.js'),
) as {
  DebugLogger: new (enabled: boolean) => unknown;
};

const CONFIG = 'build/electron-builder.yml';

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

/** electron-builder's filter for a pattern list, applied to a path relative to the project. */
function matcher(patterns: string[]): (rel: string) => boolean {
  const filter = new FileMatcher(repoRoot, '/app', (p) => p, patterns).createFilter();
  return (rel) => {
    const abs = path.join(repoRoot, rel);
    return filter(abs, fs.statSync(abs));
  };
}

describe('electron-builder configuration', () => {
  let config: BuilderConfig;

  before(async () => {
    config = await getConfig(repoRoot, CONFIG, null);
  });

  it('passes electron-builder’s schema validation (and a broken copy does not)', async () => {
    await validateConfiguration(config, new DebugLogger(false));
    await assert.rejects(
      validateConfiguration(
        { ...config, linux: { ...config.linux, targets: ['AppImage'] } as BuilderConfig['linux'] },
        new DebugLogger(false),
      ),
      /configuration\.linux/,
    );
  });

  it('names the app and builds AppImage and deb, NSIS, dmg', () => {
    assert.equal(config.appId, 'com.officepbx.desktop');
    assert.equal(config.productName, 'OfficePBX');
    assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
    assert.deepEqual(config.win?.target, ['nsis']);
    assert.deepEqual(config.mac?.target, ['dmg']);
    assert.equal(config.npmRebuild, true, 'native modules rebuilt for Electron');
  });

  it('has its icons: a 1024 px source and the Linux sizes', () => {
    for (const icon of [config.win?.icon, config.mac?.icon]) {
      const png = fs.readFileSync(path.join(repoRoot, icon!));
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.equal(png.readUInt32BE(16), 1024, 'width');
    }
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      const png = fs.readFileSync(path.join(repoRoot, config.linux!.icon!, `${size}x${size}.png`));
      assert.equal(png.readUInt32BE(16), size);
      assert.equal(png.readUInt32BE(20), size);
    }
  });

  it('packs the built app and package.json, without tests, benchmarks or source maps', () => {
    const files = config.files!.flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
    const packed = matcher(files);
    const main = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string };
    assert.equal(main.main, 'dist/main/main.js');
    for (const f of [
      main.main,
      'dist/main/desktop-app.js',
      'dist/engine/engine.js',
      'dist/engine/cli.js',
      'package.json',
    ])
      assert.equal(packed(f), true, `${f} is packed`);
    const built = walk(path.join(repoRoot, 'dist')).map((p) => path.relative(repoRoot, p));
    const tests = built.filter(
      (f) => f.startsWith(path.join('dist', 'test') + path.sep) && f.endsWith('.js'),
    );
    assert.ok(tests.length > 0, 'dist/test holds compiled tests');
    for (const f of tests) assert.equal(packed(f), false, `${f} is not packed`);
    for (const f of built.filter((f) => f.endsWith('.js.map')))
      assert.equal(packed(f), false, `${f} is not packed`);
    const engineFiles = built.filter(
      (f) => f.startsWith(path.join('dist', 'engine') + path.sep) && f.endsWith('.js'),
    );
    for (const f of engineFiles) assert.equal(packed(f), true, `${f} is packed`);
    for (const f of ['engine/engine.ts', 'test/desktop/packaging.test.ts', 'README.md'])
      assert.equal(packed(f), false, `${f} (source) is not packed`);
  });

  it('leaves better-sqlite3’s native addon outside the asar archive', () => {
    const unpacked = matcher(config.asarUnpack!);
    const addons = walk(path.join(repoRoot, 'node_modules', 'better-sqlite3'))
      .filter((p) => p.endsWith('.node'))
      .map((p) => path.relative(repoRoot, p));
    assert.ok(addons.length > 0, 'better-sqlite3 is built');
    for (const f of addons) assert.equal(unpacked(f), true, `${f} is unpacked`);
    assert.equal(unpacked('node_modules/better-sqlite3/lib/database.js'), false);
    assert.equal(unpacked('dist/engine/engine.js'), false);
  });
});
