// A stand-in for Electron's main-process API, shaped by main/electron-api.ts. It exists because no
// Electron binary can run on the build machines (no download, no display), and it is the only fake in the
// desktop tests: the engine, its sockets, its database and the SIP peers are real. The fake behaves as
// Electron documents: `requestSingleInstanceLock` answers false to a second instance and emits
// `second-instance` in the first; `quit()` emits a cancellable `before-quit`; closing a window emits a
// cancellable `close`; navigation events carry the target URL and can be prevented.
import { EventEmitter } from 'node:events';
import type {
  AppLike,
  ElectronApi,
  ImageLike,
  LoginItemSettings,
  MenuItemTemplate,
  MenuLike,
  NavigationEvent,
  PreventableEvent,
  TrayLike,
  WebContentsLike,
  WindowLike,
  WindowOpenDetails,
  WindowOpenResponse,
  WindowOptionsLike,
} from '../../main/electron-api.js';

class Preventable implements PreventableEvent {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

/** One user's desktop session: where Electron keeps its single-instance lock. */
export class FakeSession {
  holder: FakeApp | undefined;
}

export class FakeApp extends EventEmitter implements AppLike {
  readonly isPackaged = false;
  loginItemSettings: LoginItemSettings[] = [];
  quitRequests = 0;
  exitCode: number | undefined;
  /** Resolves when the app really quit (a `before-quit` nobody prevented) or exited. */
  readonly ended: Promise<'quit' | 'exit'>;
  private end!: (how: 'quit' | 'exit') => void;

  constructor(
    private readonly session: FakeSession,
    private readonly userData: string,
  ) {
    super();
    this.ended = new Promise((r) => (this.end = r));
  }

  requestSingleInstanceLock(): boolean {
    const holder = this.session.holder;
    if (holder && holder !== this) {
      holder.emit('second-instance');
      return false;
    }
    this.session.holder = this;
    return true;
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  getPath(name: 'userData'): string {
    if (name !== 'userData') throw new Error(`fake app has no path ${String(name)}`);
    return this.userData;
  }

  setLoginItemSettings(settings: LoginItemSettings): void {
    this.loginItemSettings.push(settings);
  }

  quit(): void {
    this.quitRequests++;
    const ev = new Preventable();
    this.emit('before-quit', ev);
    if (ev.prevented) return;
    if (this.session.holder === this) this.session.holder = undefined;
    this.end('quit');
  }

  exit(code = 0): void {
    this.exitCode = code;
    if (this.session.holder === this) this.session.holder = undefined;
    this.end('exit');
  }
}

export class FakeWebContents extends EventEmitter implements WebContentsLike {
  openHandler: ((d: WindowOpenDetails) => WindowOpenResponse) | undefined;

  setWindowOpenHandler(handler: (details: WindowOpenDetails) => WindowOpenResponse): void {
    this.openHandler = handler;
  }

  /** A link or script asks to go to `url`: true when the page may go there. */
  navigate(url: string, event: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const ev = Object.assign(new Preventable(), { url }) satisfies NavigationEvent;
    this.emit(event, ev);
    return !ev.prevented;
  }

  /** `window.open(url)` or a target=_blank link. */
  open(url: string): WindowOpenResponse {
    if (!this.openHandler) return { action: 'allow' };
    return this.openHandler({ url });
  }

  attachWebview(): boolean {
    const ev = new Preventable();
    this.emit('will-attach-webview', ev);
    return !ev.prevented;
  }
}

export class FakeWindow extends EventEmitter implements WindowLike {
  readonly webContents = new FakeWebContents();
  url: string | undefined;
  visible = false;
  minimized = false;
  focused = false;
  destroyed = false;

  constructor(readonly options: WindowOptionsLike<FakeImage>) {
    super();
  }

  async loadURL(url: string): Promise<void> {
    this.url = url;
    this.emit('ready-to-show');
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  minimize(): void {
    this.minimized = true;
    this.focused = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.visible = false;
  }
  /** The user clicks the window's close button. */
  close(): void {
    const ev = new Preventable();
    this.emit('close', ev);
    if (!ev.prevented) this.destroy();
  }
}

export class FakeImage implements ImageLike {
  constructor(
    readonly png: Buffer,
    readonly scaleFactor: number,
  ) {}
  isEmpty(): boolean {
    return this.png.length === 0;
  }
}

export class FakeMenu implements MenuLike {
  constructor(readonly template: MenuItemTemplate[]) {}
  get items(): Array<{ label: string }> {
    return this.template.map((t) => ({ label: t.label ?? '' }));
  }
  item(label: string): MenuItemTemplate {
    const found = this.template.find((t) => t.label === label);
    if (!found) throw new Error(`no menu item "${label}" in ${JSON.stringify(this.items)}`);
    return found;
  }
  click(label: string): void {
    this.item(label).click?.();
  }
}

export class FakeTray extends EventEmitter implements TrayLike<FakeImage> {
  tooltip = '';
  menu: FakeMenu | undefined;
  destroyed = false;

  constructor(public image: FakeImage) {
    super();
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setImage(image: FakeImage): void {
    this.image = image;
  }
  setContextMenu(menu: MenuLike | null): void {
    this.menu = (menu as FakeMenu | null) ?? undefined;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** A fake `electron` module for one app instance, plus what it recorded. */
export class FakeElectron implements ElectronApi<FakeImage> {
  readonly app: FakeApp;
  readonly windows: FakeWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly opened: string[] = [];
  readonly errorBoxes: Array<{ title: string; content: string }> = [];

  constructor(
    session: FakeSession,
    userData: string,
    readonly platform: NodeJS.Platform = 'linux',
  ) {
    this.app = new FakeApp(session, userData);
  }

  createWindow(options: WindowOptionsLike<FakeImage>): FakeWindow {
    const w = new FakeWindow(options);
    this.windows.push(w);
    return w;
  }
  createTray(image: FakeImage): FakeTray {
    const t = new FakeTray(image);
    this.trays.push(t);
    return t;
  }
  readonly Menu = { buildFromTemplate: (template: MenuItemTemplate[]): FakeMenu => new FakeMenu(template) };
  readonly nativeImage = {
    createFromBuffer: (buffer: Buffer, options?: { scaleFactor?: number }): FakeImage =>
      new FakeImage(buffer, options?.scaleFactor ?? 1),
  };
  readonly shell = {
    openExternal: async (url: string): Promise<void> => {
      this.opened.push(url);
    },
  };
  readonly dialog = {
    showErrorBox: (title: string, content: string): void => {
      this.errorBoxes.push({ title, content });
    },
  };

  get window(): FakeWindow {
    const w = this.windows.at(-1);
    if (!w) throw new Error('no window was created');
    return w;
  }
  get tray(): FakeTray {
    const t = this.trays.at(-1);
    if (!t) throw new Error('no tray was created');
    return t;
  }
}
