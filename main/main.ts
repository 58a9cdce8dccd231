// Electron's entry point (package.json "main"). Everything it does is in desktop-app.ts, which takes
// Electron as a parameter; this file only hands it the real module. Never imported by tests: loading the
// `electron` package outside Electron tries to download Electron's binary.
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, nativeImage, shell, Tray, type NativeImage } from 'electron';
import { Engine } from '../engine/engine.js';
import { LogRoot } from '../engine/log/index.js';
import { DesktopApp } from './desktop-app.js';
import type { ElectronApi } from './electron-api.js';
import { desktopEngine } from './engine-link.js';

const logRoot = new LogRoot();
const electron: ElectronApi<NativeImage> = {
  app,
  createWindow: (options) => new BrowserWindow(options),
  createTray: (image) => new Tray(image),
  Menu,
  nativeImage,
  shell,
  dialog,
  platform: process.platform,
};

void DesktopApp.run({
  electron,
  argv: process.argv,
  env: process.env,
  startEngine: async (config) => {
    logRoot.level = config.logLevel;
    return desktopEngine(await Engine.start(config, logRoot));
  },
  // Packaged: the executable (or the AppImage it was unpacked from); from the sources: electron + app folder.
  launchCommand: app.isPackaged
    ? [process.env.APPIMAGE ?? process.execPath]
    : [process.execPath, path.resolve(process.argv[1] ?? '.')],
  autostartDir: path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'autostart'),
  log: logRoot.logger('desktop'),
}).catch((err: unknown) => {
  logRoot.logger('desktop').error('the desktop app failed', { err });
  app.exit(1);
});
