// The desktop app's parts, for tests and tools; `main.ts` (Electron's entry) is deliberately not here.
export * from './app-icon.js';
export * from './desktop-app.js';
export * from './desktop-config.js';
export * from './desktop-settings.js';
export * from './electron-api.js';
export * from './engine-link.js';
export * from './login-item.js';
export * from './navigation-guard.js';
export * from './png-image.js';
export * from './tray-status.js';
export * from './window-options.js';
