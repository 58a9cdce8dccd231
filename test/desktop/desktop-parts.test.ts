// The desktop app's parts that need no engine: command line, start at login per OS, tray words, icons.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { desktopConfig, splitArgs } from '../../main/desktop-config.js';
import { DesktopSettings } from '../../main/desktop-settings.js';
import { consoleUrl } from '../../main/engine-link.js';
import { LoginItem } from '../../main/login-item.js';
import { drawAppIcon, ICON_COLOURS } from '../../main/app-icon.js';
import { trayView } from '../../main/tray-status.js';
import { cleanup } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import type { LoginItemSettings } from '../../main/electron-api.js';

describe('desktop command line', () => {
  it('passes engine flags on and leaves Chromium switches and its own flag out', () => {
    const a = splitArgs(
      [
        '/opt/OfficePBX/officepbx',
        '--no-sandbox',
        '--sip-port',
        '5070',
        '--sip-trace',
        '--hidden',
        '--http-port=8081',
        '--media-strict-source',
        'false',
      ],
      true,
    );
    assert.deepEqual(a.engineArgv, [
      '--sip-port',
      '5070',
      '--sip-trace',
      '--http-port=8081',
      '--media-strict-source',
      'false',
    ]);
    assert.equal(a.hidden, true);
    assert.deepEqual(a.ignored, ['--no-sandbox']);
    assert.deepEqual(splitArgs(['electron', '.', '--bind', '10.0.0.2'], false).engineArgv, [
      '--bind',
      '10.0.0.2',
    ]);
  });

  it('keeps data in userData unless --data-dir or PBX_DATA_DIR says otherwise', () => {
    assert.equal(desktopConfig([], {}, '/home/u/.config/OfficePBX').dataDir, '/home/u/.config/OfficePBX');
    assert.equal(desktopConfig(['--data-dir', '/srv/pbx'], {}, '/ud').dataDir, '/srv/pbx');
    assert.equal(desktopConfig(['--data-dir=/srv/pbx'], {}, '/ud').dataDir, '/srv/pbx');
    assert.equal(desktopConfig([], { PBX_DATA_DIR: '/var/pbx' }, '/ud').dataDir, '/var/pbx');
    assert.equal(desktopConfig(['--sip-port', '5070'], { PBX_SIP_PORT: '5080' }, '/ud').sipPort, 5070);
  });

  it('opens the console over loopback when the engine listens on every address', () => {
    assert.equal(consoleUrl({ bind: '0.0.0.0', httpPort: 8080 }), 'http://127.0.0.1:8080/');
    assert.equal(consoleUrl({ bind: '::', httpPort: 8080 }), 'http://[::1]:8080/');
    assert.equal(consoleUrl({ bind: '192.168.1.10', httpPort: 80 }), 'http://192.168.1.10:80/');
  });
});

describe('start at login', () => {
  function item(platform: NodeJS.Platform, dir: string, command = ['/opt/OfficePBX/officepbx']) {
    const calls: LoginItemSettings[] = [];
    const li = new LoginItem({
      app: { setLoginItemSettings: (s) => calls.push(s) },
      platform,
      command,
      autostartDir: dir,
    });
    return { li, calls };
  }

  it('uses Electron’s login items on Windows (started hidden) and macOS', () => {
    const win = item('win32', '/nonexistent');
    win.li.apply(true);
    win.li.apply(false);
    assert.deepEqual(win.calls, [
      { openAtLogin: true, args: ['--hidden'] },
      { openAtLogin: false, args: ['--hidden'] },
    ]);
    const mac = item('darwin', '/nonexistent');
    mac.li.apply(true);
    assert.deepEqual(mac.calls, [{ openAtLogin: true }]);
  });

  it('writes and removes an XDG autostart entry on Linux, quoting the command', () => {
    const dir = tempDir('autostart');
    try {
      const { li, calls } = item('linux', path.join(dir, 'autostart'), [
        '/home/u/Apps/Office PBX "1".AppImage',
        '100%',
      ]);
      li.apply(true);
      const text = fs.readFileSync(li.desktopFile, 'utf8');
      assert.match(text, /^\[Desktop Entry\]\nType=Application\n/);
      assert.match(text, /^Exec="\/home\/u\/Apps\/Office PBX \\\\"1\\\\".AppImage" 100%% --hidden$/m);
      li.apply(false);
      assert.equal(fs.existsSync(li.desktopFile), false);
      assert.equal(calls.length, 0);
    } finally {
      cleanup(dir);
    }
  });

  it('is remembered in userData; a damaged settings file means off', () => {
    const dir = tempDir('desktop-settings');
    try {
      assert.equal(DesktopSettings.load(dir).startAtLogin, false);
      DesktopSettings.load(dir).startAtLogin = true;
      assert.equal(DesktopSettings.load(dir).startAtLogin, true);
      fs.writeFileSync(path.join(dir, 'desktop-settings.json'), '{not json');
      assert.equal(DesktopSettings.load(dir).startAtLogin, false);
    } finally {
      cleanup(dir);
    }
  });
});

describe('tray words', () => {
  const base = { ok: true, registeredPhones: 0, registeredUsers: 0, users: 0, callsInProgress: 0, errors: 0 };

  it('says running, with phones, users, calls and errors', () => {
    assert.deepEqual(
      trayView({ ...base, registeredPhones: 3, registeredUsers: 2, users: 5, callsInProgress: 1, errors: 2 }),
      {
        state: 'running',
        label: 'Running: 3 phones registered (2 of 5 users)',
        tooltip:
          "OfficePBX: running\n3 phones registered (2 of 5 users)\n1 call in progress\n2 errors logged: see the console's status",
      },
    );
  });

  it('says error when a listener is down or the engine does not answer', () => {
    assert.equal(trayView({ ...base, ok: false }).state, 'error');
    assert.equal(trayView({ ...base, ok: false }).label, 'Error: not every listener is up');
    const v = trayView(new Error('database is locked'));
    assert.equal(v.state, 'error');
    assert.equal(v.tooltip, 'OfficePBX: error\ndatabase is locked');
    assert.equal(trayView('starting').state, 'starting');
  });
});

describe('icons', () => {
  it('are valid PNGs whose pixels decode back to the tile colour and white', () => {
    const png = drawAppIcon(64, ICON_COLOURS.running).encode();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const idatLength = png.readUInt32BE(33);
    assert.equal(png.subarray(37, 41).toString('latin1'), 'IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLength));
    assert.equal(raw.length, 64 * (64 * 4 + 1));
    const pixel = (x: number, y: number): number[] => [
      ...raw.subarray(y * 257 + 1 + x * 4, y * 257 + 1 + x * 4 + 4),
    ];
    assert.deepEqual(pixel(0, 0), [0, 0, 0, 0], 'transparent corner');
    assert.deepEqual(pixel(32, 6), [...ICON_COLOURS.running], 'tile');
    assert.ok(
      pixel(20, 36)
        .slice(0, 3)
        .every((c) => c > 240),
      'handset (left of its arc) is white',
    );
  });
});
