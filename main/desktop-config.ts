import { FLAGS, parseConfig, type EngineConfig } from '../engine/config/index.js';

/** The app's own flag: started at login, so only the tray appears (the window opens from it). */
export const HIDDEN_FLAG = '--hidden';

export interface DesktopArgs {
  /** Engine flags, as the headless service takes them. */
  engineArgv: string[];
  hidden: boolean;
  /** Arguments that are neither engine flags nor ours (Chromium switches, a file path …), left alone. */
  ignored: string[];
}

/**
 * Splits the app's command line. `process.argv` is `[electron, app-dir, …]` when run from the sources and
 * `[exe, …]` when packaged; Electron and Chromium add switches of their own (`--no-sandbox`,
 * `--enable-logging` …) which the engine's parser would reject, so only known engine flags go to it.
 */
export function splitArgs(argv: readonly string[], isPackaged: boolean): DesktopArgs {
  const args = argv.slice(isPackaged ? 1 : 2);
  const out: DesktopArgs = { engineArgv: [], hidden: false, ignored: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === HIDDEN_FLAG) {
      out.hidden = true;
      continue;
    }
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : '';
    const spec = FLAGS.find((f) => f.flag === name);
    if (!spec) {
      out.ignored.push(arg);
      continue;
    }
    out.engineArgv.push(arg);
    if (arg.includes('=')) continue;
    const next = args[i + 1];
    if (spec.kind === 'bool') {
      if (next !== undefined && /^(1|0|true|false|yes|no|on|off)$/i.test(next))
        out.engineArgv.push(args[++i]!);
    } else if (next !== undefined) out.engineArgv.push(args[++i]!);
  }
  return out;
}

/**
 * The engine's configuration in the desktop app: flags and `PBX_*` variables exactly as for the headless
 * service, except that the data folder defaults to Electron's per-user `userData` folder.
 */
export function desktopConfig(
  engineArgv: readonly string[],
  env: NodeJS.ProcessEnv,
  userData: string,
): EngineConfig {
  const dataDirGiven =
    (env.PBX_DATA_DIR !== undefined && env.PBX_DATA_DIR !== '') ||
    engineArgv.some((a) => a === '--data-dir' || a.startsWith('--data-dir='));
  return parseConfig(dataDirGiven ? engineArgv : ['--data-dir', userData, ...engineArgv], env);
}
