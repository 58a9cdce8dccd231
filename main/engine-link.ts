import type { EngineConfig } from '../engine/config/index.js';
import type { Engine } from '../engine/engine.js';

/** What the tray shows: the part of the engine's status (`engine/status.ts`, `GET /api/status`) it needs. */
export interface TrayStatus {
  ok: boolean;
  registeredPhones: number;
  registeredUsers: number;
  users: number;
  callsInProgress: number;
  errors: number;
}

/** The engine as the desktop app sees it. */
export interface DesktopEngine {
  status(): TrayStatus;
  stop(): Promise<void>;
  /** The console's address for the window: loopback unless the engine listens on one address only. */
  readonly consoleUrl: string;
}

/** Where the window finds the console: the engine's HTTP listener, over loopback when it listens on all. */
export function consoleUrl(config: Pick<EngineConfig, 'bind' | 'httpPort'>): string {
  const host =
    config.bind === '0.0.0.0'
      ? '127.0.0.1'
      : config.bind === '::'
        ? '[::1]'
        : config.bind.includes(':')
          ? `[${config.bind}]`
          : config.bind;
  return `http://${host}:${config.httpPort}/`;
}

/** The in-process engine behind the `DesktopEngine` face. */
export function desktopEngine(engine: Engine): DesktopEngine {
  return {
    consoleUrl: consoleUrl(engine.config),
    stop: () => engine.stop(),
    status: () => engine.status(),
  };
}
