/**
 * The part of Electron's main-process API the desktop app uses, as structural types. `main.ts` passes the
 * real `electron` module (the compiler checks that it fits); tests pass a fake, because no Electron binary
 * can run on the build machines. Keep this to what the app calls: every member here is one a fake must model.
 */

/** An event a listener may cancel (Electron's `Event`). */
export interface PreventableEvent {
  preventDefault(): void;
}

/** `will-navigate` / `will-redirect` details: the URL the page is about to go to. */
export interface NavigationEvent extends PreventableEvent {
  url: string;
}

export interface LoginItemSettings {
  openAtLogin: boolean;
  /** Windows: arguments the app is started with at login. */
  args?: string[];
}

export interface AppLike {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  getPath(name: 'userData'): string;
  setLoginItemSettings(settings: LoginItemSettings): void;
  quit(): void;
  exit(code?: number): void;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
}

export interface WebPreferencesLike {
  contextIsolation: boolean;
  nodeIntegration: boolean;
  sandbox: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  webviewTag: boolean;
  spellcheck?: boolean;
}

export interface WindowOptionsLike<I extends ImageLike = ImageLike> {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  icon?: I;
  autoHideMenuBar: boolean;
  backgroundColor: string;
  webPreferences: WebPreferencesLike;
}

export interface WindowOpenDetails {
  url: string;
}

export type WindowOpenResponse = { action: 'deny' } | { action: 'allow' };

export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: WindowOpenDetails) => WindowOpenResponse): void;
}

export interface WindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isVisible(): boolean;
  isDestroyed(): boolean;
  destroy(): void;
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

/** An image made by `nativeImage` and handed back to Electron (`I` is Electron's `NativeImage`). */
export interface ImageLike {
  isEmpty(): boolean;
}

export interface MenuItemTemplate {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
}

export interface MenuLike {
  readonly items: ReadonlyArray<{ label: string }>;
}

export interface TrayLike<I extends ImageLike = ImageLike> {
  setToolTip(text: string): void;
  setImage(image: I): void;
  setContextMenu(menu: MenuLike | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

/** Everything the desktop app takes from Electron: the module's objects, and factories for its classes. */
export interface ElectronApi<I extends ImageLike = ImageLike> {
  app: AppLike;
  /** `new BrowserWindow(options)`. */
  createWindow(options: WindowOptionsLike<I>): WindowLike;
  /** `new Tray(image)`. */
  createTray(image: I): TrayLike<I>;
  Menu: { buildFromTemplate(template: MenuItemTemplate[]): MenuLike };
  nativeImage: { createFromBuffer(buffer: Buffer, options?: { scaleFactor?: number }): I };
  shell: { openExternal(url: string): Promise<void> };
  dialog: { showErrorBox(title: string, content: string): void };
  /** `process.platform`: start at login and window behaviour differ per OS. */
  platform: NodeJS.Platform;
}
