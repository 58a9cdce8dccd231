import fs from 'node:fs';
import path from 'node:path';
import type { AppLike } from './electron-api.js';
import { HIDDEN_FLAG } from './desktop-config.js';

export interface LoginItemOptions {
  app: Pick<AppLike, 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  /** The command that starts the app: the executable (the AppImage when run from one), then its arguments. */
  command: readonly string[];
  /** Linux: the XDG autostart folder (`$XDG_CONFIG_HOME/autostart`, `~/.config/autostart`). */
  autostartDir: string;
}

/**
 * "Start at login". macOS and Windows have it in Electron (`app.setLoginItemSettings`); on Linux Electron
 * has none, so the app writes an XDG autostart entry, which GNOME, KDE, Xfce and the others all read.
 * Started at login, the app opens only its tray icon (`--hidden`; macOS opens the window, as apps there do).
 */
export class LoginItem {
  constructor(private readonly opts: LoginItemOptions) {}

  get desktopFile(): string {
    return path.join(this.opts.autostartDir, 'officepbx.desktop');
  }

  apply(openAtLogin: boolean): void {
    const { app, platform } = this.opts;
    if (platform === 'win32') app.setLoginItemSettings({ openAtLogin, args: [HIDDEN_FLAG] });
    else if (platform === 'darwin') app.setLoginItemSettings({ openAtLogin });
    else if (openAtLogin) {
      fs.mkdirSync(this.opts.autostartDir, { recursive: true });
      fs.writeFileSync(this.desktopFile, this.desktopEntry());
    } else fs.rmSync(this.desktopFile, { force: true });
  }

  /** The autostart entry (Desktop Entry Specification 1.5; Exec quoting per its "Exec key" section). */
  desktopEntry(): string {
    const exec = [...this.opts.command, HIDDEN_FLAG].map(quoteExecArg).join(' ');
    return [
      '[Desktop Entry]',
      'Type=Application',
      'Name=OfficePBX',
      'Comment=Office phone system',
      `Exec=${exec}`,
      'Terminal=false',
      'X-GNOME-Autostart-enabled=true',
      '',
    ].join('\n');
  }
}

/**
 * One Exec argument: `%` doubled (field codes), quoted when it holds anything but plain characters, with
 * `"`, `` ` ``, `$` and `\` escaped inside the quotes; then every backslash doubled again, because string
 * values are unescaped before the Exec quoting is read.
 */
function quoteExecArg(arg: string): string {
  const plain = arg.replace(/%/g, '%%');
  const quoted = /^[A-Za-z0-9_@%+=:,./-]+$/.test(plain) ? plain : `"${plain.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replace(/\\/g, '\\\\');
}
