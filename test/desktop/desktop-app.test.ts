// The desktop app (main/desktop-app.ts) around a real engine started in this process, as Electron's main
// process starts it: real sockets, database, REST API and a real sipp phone registering. Only Electron is
// a fake (fake-electron.ts): its binary cannot run here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../engine/engine.js';
import { LogRoot } from '../../engine/log/index.js';
import { DesktopApp } from '../../main/desktop-app.js';
import { DesktopSettings } from '../../main/desktop-settings.js';
import { desktopEngine, type DesktopEngine } from '../../main/engine-link.js';
import { cleanup, loopbackFlags } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { registerArgs, runSipp } from '../support/sipp.js';
import { FakeElectron, FakeSession, type FakeImage } from './fake-electron.js';

const PASSWORD = 'desktop-admin-pw';
const PHONE = { user: '7001', password: 'desk-phone-secret-1' };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('desktop app around the real engine', () => {
  const session = new FakeSession();
  let userData: string;
  let autostartDir: string;
  let electron: FakeElectron;
  let desktop: DesktopApp<FakeImage>;
  let engine: DesktopEngine | undefined;
  let sipPort: number;
  let httpPort: number;
  let engineStarts = 0;

  async function launch(fake: FakeElectron, argv: string[]): Promise<DesktopApp<FakeImage> | undefined> {
    return DesktopApp.run({
      electron: fake,
      argv: ['/usr/lib/electron/electron', '/opt/officepbx', ...argv],
      env: {},
      startEngine: async (config) => {
        engineStarts++;
        engine = desktopEngine(await Engine.start(config, new LogRoot('silent')));
        return engine;
      },
      launchCommand: ['/opt/OfficePBX/officepbx'],
      autostartDir,
      log: quiet,
      refreshMs: 100,
    });
  }

  before(async () => {
    userData = tempDir('desktop-userdata');
    autostartDir = path.join(tempDir('desktop-xdg'), 'autostart');
    sipPort = await freePort();
    httpPort = await freePort();
    electron = new FakeElectron(session, userData);
    const app = await launch(electron, [
      ...loopbackFlags(sipPort, httpPort, PASSWORD),
      '--qualify-interval',
      '0',
      '--no-sandbox', // a Chromium switch, as AppImages get: not for the engine
    ]);
    assert.ok(app, 'the first instance runs');
    desktop = app;
  });

  after(async () => {
    if (engine) await engine.stop();
    cleanup(userData);
    cleanup(path.dirname(autostartDir));
  });

  it('starts the engine with its data in Electron’s userData folder and opens the console window', async () => {
    assert.equal(engineStarts, 1);
    assert.ok(fs.existsSync(path.join(userData, 'officepbx.db')), 'database in userData');
    const win = electron.window;
    assert.equal(win.url, `http://127.0.0.1:${httpPort}/`);
    assert.equal(win.visible, true);
    const health = await fetch(new URL('api/health', win.url));
    assert.equal(health.status, 200);
  });

  it('gives the console no Node.js, a sandbox and context isolation', () => {
    const prefs = electron.window.options.webPreferences;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal('preload' in prefs, false, 'no preload script');
  });

  it('keeps the window on the console and sends other links to the system browser', () => {
    const wc = electron.window.webContents;
    const origin = `http://127.0.0.1:${httpPort}`;
    assert.equal(wc.navigate(`${origin}/users?search=7`), true);
    assert.equal(wc.navigate('https://example.org/help'), false);
    assert.equal(wc.navigate(`http://127.0.0.1:${httpPort + 1}/`), false, 'another port is another origin');
    assert.equal(wc.navigate(`http://localhost:${httpPort}/`), false, 'another host name is another origin');
    assert.equal(wc.navigate('file:///etc/passwd'), false);
    assert.equal(wc.navigate('https://attacker.example/', 'will-redirect'), false);
    assert.deepEqual(wc.open('https://docs.example.org/phones'), { action: 'deny' });
    assert.deepEqual(wc.open('javascript:alert(1)'), { action: 'deny' });
    assert.equal(wc.attachWebview(), false);
    // Web links leave for the system browser; file: and javascript: go nowhere.
    assert.deepEqual(electron.opened, [
      'https://example.org/help',
      `http://127.0.0.1:${httpPort + 1}/`,
      `http://localhost:${httpPort}/`,
      'https://docs.example.org/phones',
    ]);
  });

  it('a second launch does not start another engine but brings the window back', async () => {
    const win = electron.window;
    win.minimize();
    win.hide();
    const second = new FakeElectron(session, userData);
    const result = await launch(second, ['--http-port', String(await freePort())]);
    assert.equal(result, undefined);
    assert.equal(second.app.quitRequests, 1, 'the second instance quits');
    assert.equal(await second.app.ended, 'quit');
    assert.equal(second.windows.length + second.trays.length, 0);
    assert.equal(engineStarts, 1, 'no second engine');
    assert.equal(electron.windows.length, 1, 'no second window');
    assert.equal(win.visible, true);
    assert.equal(win.minimized, false);
    assert.equal(win.focused, true);
  });

  it('closing the window hides it; the phone system keeps running', async () => {
    electron.window.close();
    assert.equal(electron.window.destroyed, false);
    assert.equal(electron.window.visible, false);
    assert.equal(await listening(httpPort), true);
    electron.tray.emit('click');
    assert.equal(electron.window.visible, true);
  });

  it('shows in the tray when a phone registers', async () => {
    const tray = electron.tray;
    assert.equal(desktop.view.state, 'running');
    assert.match(tray.tooltip, /^OfficePBX: running\n0 phones registered \(0 of 0 users\)$/);
    const runningIcon = tray.image;
    assert.equal(runningIcon.png.subarray(1, 4).toString('latin1'), 'PNG');

    const auth = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
    const created = await fetch(`http://127.0.0.1:${httpPort}/api/users`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ extension: PHONE.user, name: 'Reception', secret: PHONE.password }),
    });
    assert.equal(created.status, 201, await created.text());
    await until('the tray to count the user', () => tray.tooltip.includes('0 of 1 user)'));

    const reg = await runSipp(registerArgs(`127.0.0.1:${sipPort}`, PHONE, await freePort()), 10);
    assert.equal(reg.code, 0, reg.stderr);
    await until('the tray to show the registered phone', () => tray.tooltip.includes('1 phone registered'));
    assert.equal(tray.tooltip, 'OfficePBX: running\n1 phone registered (1 of 1 user)');
    assert.equal(tray.menu!.items[0]!.label, 'Running: 1 phone registered (1 of 1 user)');
    assert.equal(tray.image, runningIcon, 'still the running icon');
  });

  it('turns start at login on and off from the tray, and remembers it', () => {
    const entry = path.join(autostartDir, 'officepbx.desktop');
    electron.tray.menu!.click('Start at login');
    assert.equal(electron.tray.menu!.item('Start at login').checked, true);
    assert.match(fs.readFileSync(entry, 'utf8'), /^Exec=\/opt\/OfficePBX\/officepbx --hidden$/m);
    assert.equal(DesktopSettings.load(userData).startAtLogin, true);
    electron.tray.menu!.click('Start at login');
    assert.equal(fs.existsSync(entry), false);
    assert.equal(DesktopSettings.load(userData).startAtLogin, false);
    assert.equal(electron.tray.menu!.item('Start at login').checked, false);
  });

  it('Quit waits for the engine to stop, which frees its ports, then quits', async () => {
    assert.equal(await listening(httpPort), true);
    electron.tray.menu!.click('Quit OfficePBX');
    assert.equal(await electron.app.ended, 'quit');
    assert.equal(electron.app.quitRequests, 2, 'the first quit was held back until the engine stopped');
    assert.equal(await listening(httpPort), false, 'HTTP port closed');
    assert.equal(electron.tray.destroyed, true);
    assert.equal(electron.window.destroyed, true);
    // The SIP port is free again: something else can bind it.
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(sipPort, '127.0.0.1', () => s.close(() => resolve()));
    });
    engine = undefined;
  });
});

describe('desktop app when the engine cannot start', () => {
  it('shows why in a dialog and in the tray, and exits with status 1', async () => {
    const userData = tempDir('desktop-fail');
    const httpPort = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(httpPort, '127.0.0.1', () => r()));
    const electron = new FakeElectron(new FakeSession(), userData);
    try {
      await DesktopApp.run({
        electron,
        argv: [
          '/opt/OfficePBX/officepbx',
          '--bind',
          '127.0.0.1',
          '--sip-port',
          String(await freePort()),
          '--http-port',
          String(httpPort),
        ],
        env: {},
        startEngine: async (config) => desktopEngine(await Engine.start(config, new LogRoot('silent'))),
        launchCommand: ['/opt/OfficePBX/officepbx'],
        autostartDir: path.join(userData, 'autostart'),
        log: quiet,
      }).catch((err: unknown) => assert.fail(String(err)));
      assert.equal(await electron.app.ended, 'exit');
      assert.equal(electron.app.exitCode, 1);
      assert.equal(electron.errorBoxes.length, 1);
      assert.match(electron.errorBoxes[0]!.content, /EADDRINUSE[\s\S]*Another program/);
      assert.match(electron.tray.tooltip, /^OfficePBX: error\n/);
      assert.equal(electron.windows.length, 0);
    } finally {
      blocker.close();
      cleanup(userData);
    }
  });
});
