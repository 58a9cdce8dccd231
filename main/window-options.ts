import type { ImageLike, WindowOptionsLike } from './electron-api.js';

/**
 * The console window. The page is the engine's web console, reached over HTTP like any browser reaches
 * it: it gets no Node.js, runs in Chromium's sandbox, and its scripts live in a world apart from anything
 * Electron injects (contextIsolation). No preload: the console talks to the engine only through the HTTP
 * API, so there is nothing to bridge.
 */
export function consoleWindowOptions<I extends ImageLike>(icon?: I): WindowOptionsLike<I> {
  return {
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    title: 'OfficePBX',
    show: false, // shown on ready-to-show, so no white flash
    ...(icon ? { icon } : {}),
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    webPreferences: {
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}
