import { ConfigError, type EngineConfig } from '../engine/config/index.js';
import type { Logger } from '../engine/log/index.js';
import { drawAppIcon, ICON_COLOURS } from './app-icon.js';
import { desktopConfig, splitArgs } from './desktop-config.js';
import { DesktopSettings } from './desktop-settings.js';
import type { ElectronApi, ImageLike, TrayLike, WindowLike } from './electron-api.js';
import type { DesktopEngine } from './engine-link.js';
import { LoginItem } from './login-item.js';
import { guardNavigation } from './navigation-guard.js';
import { trayView, type TrayState, type TrayView } from './tray-status.js';
import { consoleWindowOptions } from './window-options.js';

export interface DesktopAppOptions<I extends ImageLike = ImageLike> {
  electron: ElectronApi<I>;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Starts the engine in this process (`Engine.start`), after the single-instance lock is ours. */
  startEngine(config: EngineConfig): Promise<DesktopEngine>;
  /** The command that starts this app again, for start at login. */
  launchCommand: readonly string[];
  /** Linux's XDG autostart folder. */
  autostartDir: string;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often the tray re-reads the engine's status. */
  refreshMs?: number;
  /** How long quitting waits for the engine to stop before it exits anyway. */
  stopTimeoutMs?: number;
}

const TRAY_ICON_PX = 32;

/**
 * The desktop app: one instance per user, the engine in this process, a tray icon with its status and a
 * window on the console. Closing the window keeps the phone system running in the tray (phones must not
 * go dead because someone closed a window); "Quit OfficePBX" in the tray stops the engine cleanly first.
 */
export class DesktopApp<I extends ImageLike = ImageLike> {
  window: WindowLike | undefined;
  tray: TrayLike<I> | undefined;
  engine: DesktopEngine | undefined;
  settings: DesktopSettings | undefined;
  loginItem: LoginItem | undefined;
  view: TrayView = trayView('starting');
  private refreshTimer: NodeJS.Timeout | undefined;
  private quitting = false;
  private engineStopped = false;
  private stopped: Promise<void> | undefined;
  private readonly icons = new Map<TrayState, I>();

  private constructor(private readonly opts: DesktopAppOptions<I>) {}

  /**
   * Runs the app. Answers undefined when another instance already runs: that one is told (Electron's
   * `second-instance` event there) and shows its window; this one quits without touching the engine.
   */
  static async run<I extends ImageLike>(opts: DesktopAppOptions<I>): Promise<DesktopApp<I> | undefined> {
    const { app } = opts.electron;
    if (!app.requestSingleInstanceLock()) {
      opts.log.info('OfficePBX is already running: showing its window');
      app.quit();
      return undefined;
    }
    const desktop = new DesktopApp<I>(opts);
    app.on('second-instance', () => desktop.showWindow());
    // The app lives in the tray: closing the last window must not quit it.
    app.on('window-all-closed', () => undefined);
    app.on('activate', () => desktop.showWindow());
    app.on('before-quit', (event) => {
      if (desktop.stopped === undefined) desktop.stopped = desktop.shutdown();
      if (desktop.engine !== undefined && !desktop.engineStopped) event.preventDefault();
    });
    await app.whenReady();
    await desktop.start();
    return desktop;
  }

  private async start(): Promise<void> {
    const { electron, log } = this.opts;
    const { app } = electron;
    const args = splitArgs(this.opts.argv, app.isPackaged);
    if (args.ignored.length > 0)
      log.info('ignoring arguments that are not OfficePBX flags', { args: args.ignored });
    const userData = app.getPath('userData');
    this.settings = DesktopSettings.load(userData);
    this.loginItem = new LoginItem({
      app,
      platform: electron.platform,
      command: this.opts.launchCommand,
      autostartDir: this.opts.autostartDir,
    });
    this.createTray();
    let config: EngineConfig;
    try {
      config = desktopConfig(args.engineArgv, this.opts.env, userData);
      this.engine = await this.opts.startEngine(config);
    } catch (err) {
      this.fail(err);
      return;
    }
    log.info('console', { url: this.engine.consoleUrl, dataDir: config.dataDir });
    this.refresh();
    this.refreshTimer = setInterval(() => this.refresh(), this.opts.refreshMs ?? 5000);
    this.refreshTimer.unref();
    if (!args.hidden) this.showWindow();
  }

  /** The engine could not start: say why in a dialog (there may be no terminal to read), then exit. */
  private fail(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    const why =
      err instanceof ConfigError
        ? `Setting --${err.field}: ${err.message}`
        : e.code === 'EADDRINUSE'
          ? `${e.message}\n\nAnother program (often another phone system or a softphone) uses that port.`
          : e.code === 'EACCES'
            ? `${e.message}\n\nPorts below 1024 need administrator rights.`
            : String(e.message ?? err);
    this.opts.log.error('could not start', { err });
    this.updateTray(trayView(new Error(why)));
    this.opts.electron.dialog.showErrorBox('OfficePBX could not start', why);
    this.engineStopped = true;
    this.opts.electron.app.exit(1);
  }

  /** Shows the console window, creating it on first use or after it was destroyed. */
  showWindow(): void {
    const engine = this.engine;
    if (!engine || this.quitting) return;
    if (this.window && !this.window.isDestroyed()) {
      if (this.window.isMinimized()) this.window.restore();
      this.window.show();
      this.window.focus();
      return;
    }
    const { electron } = this.opts;
    const icon = electron.nativeImage.createFromBuffer(drawAppIcon(256).encode());
    const win = electron.createWindow(consoleWindowOptions(icon));
    this.window = win;
    guardNavigation(win.webContents, new URL(engine.consoleUrl).origin, electron.shell, (url, why) =>
      this.opts.log.warn('navigation away from the console blocked', { url, why }),
    );
    win.once('ready-to-show', () => win.show());
    win.on('close', (event) => {
      if (this.quitting) return;
      event.preventDefault();
      win.hide();
    });
    win
      .loadURL(engine.consoleUrl)
      .catch((err: unknown) => this.opts.log.error('console did not load', { err }));
  }

  /** Reads the engine's status and updates the tray when anything changed. */
  refresh(): void {
    if (!this.engine) return;
    let reading;
    try {
      reading = this.engine.status();
    } catch (err) {
      reading = err instanceof Error ? err : new Error(String(err));
    }
    this.updateTray(trayView(reading));
  }

  setStartAtLogin(on: boolean): void {
    try {
      this.loginItem!.apply(on);
      this.settings!.startAtLogin = on;
    } catch (err) {
      this.opts.log.error('could not change start at login', { err });
    }
    this.updateTray(this.view, true);
  }

  private createTray(): void {
    const { electron } = this.opts;
    this.tray = electron.createTray(this.icon(this.view.state));
    this.tray.on('click', () => this.showWindow());
    this.updateTray(this.view, true);
  }

  private updateTray(view: TrayView, force = false): void {
    const old = this.view;
    this.view = view;
    const tray = this.tray;
    if (!tray) return;
    if (!force && old.label === view.label && old.tooltip === view.tooltip && old.state === view.state)
      return;
    if (force || old.state !== view.state) tray.setImage(this.icon(view.state));
    tray.setToolTip(view.tooltip);
    tray.setContextMenu(
      this.opts.electron.Menu.buildFromTemplate([
        { label: view.label, enabled: false },
        { type: 'separator' },
        { label: 'Open console', enabled: this.engine !== undefined, click: () => this.showWindow() },
        {
          label: 'Start at login',
          type: 'checkbox',
          checked: this.settings?.startAtLogin ?? false,
          click: () => this.setStartAtLogin(!(this.settings?.startAtLogin ?? false)),
        },
        { type: 'separator' },
        { label: 'Quit OfficePBX', click: () => this.opts.electron.app.quit() },
      ]),
    );
  }

  private icon(state: TrayState): I {
    let image = this.icons.get(state);
    if (!image) {
      const png = drawAppIcon(TRAY_ICON_PX, ICON_COLOURS[state]).encode();
      image = this.opts.electron.nativeImage.createFromBuffer(png, {
        scaleFactor: this.opts.electron.platform === 'darwin' ? 2 : 1,
      });
      this.icons.set(state, image);
    }
    return image;
  }

  /**
   * Quitting: the first `before-quit` is held back until the engine has stopped (open calls answered,
   * registrations and call records written, database closed), then the app quits for real. An engine that
   * does not stop within the timeout is left behind and the app exits with status 1.
   */
  private async shutdown(): Promise<void> {
    this.quitting = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    const engine = this.engine;
    if (!engine) return;
    const { app } = this.opts.electron;
    this.opts.log.info('quitting: stopping the engine');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (r) => (timer = setTimeout(() => r('timeout'), this.opts.stopTimeoutMs ?? 10_000)),
    );
    const result = await Promise.race([
      engine.stop().then(
        () => 'stopped' as const,
        (err: unknown) => {
          this.opts.log.error('the engine did not stop cleanly', { err });
          return 'failed' as const;
        },
      ),
      timedOut,
    ]);
    clearTimeout(timer);
    this.engineStopped = true;
    this.tray?.destroy();
    this.tray = undefined;
    if (this.window && !this.window.isDestroyed()) this.window.destroy();
    if (result === 'stopped') app.quit();
    else app.exit(1);
  }
}
