import type { ElectronApi, WebContentsLike } from './electron-api.js';

/** True when `url` is on the console's own origin (scheme, host and port all equal). */
export function isConsoleUrl(url: string, consoleOrigin: string): boolean {
  try {
    return new URL(url).origin === consoleOrigin;
  } catch {
    return false;
  }
}

/** Links the system browser may open: web and mail links only, never `file:` or custom schemes. */
export function isExternalLink(url: string): boolean {
  try {
    return ['http:', 'https:', 'mailto:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * Keeps the window on the console. Navigations and redirects to any other origin are cancelled; links
 * that would open a new window (target=_blank, window.open) open in the system browser instead when they
 * are web or mail links, and nowhere otherwise. The console itself never opens a second Electron window.
 */
export function guardNavigation(
  contents: WebContentsLike,
  consoleOrigin: string,
  shell: ElectronApi['shell'],
  onBlocked: (url: string, why: string) => void = () => undefined,
): void {
  const leave = (url: string): void => {
    if (isExternalLink(url))
      void shell.openExternal(url).catch((err: unknown) => onBlocked(url, String(err)));
    else onBlocked(url, 'not a web link');
  };
  contents.on('will-navigate', (event) => {
    if (isConsoleUrl(event.url, consoleOrigin)) return;
    event.preventDefault();
    leave(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (isConsoleUrl(event.url, consoleOrigin)) return;
    event.preventDefault();
    onBlocked(event.url, 'redirect away from the console');
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onBlocked('', 'webview');
  });
  contents.setWindowOpenHandler(({ url }) => {
    leave(url);
    return { action: 'deny' };
  });
}
