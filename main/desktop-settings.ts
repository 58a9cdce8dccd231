import fs from 'node:fs';
import path from 'node:path';

/** The desktop app's own settings (the engine's live in its database). */
export interface DesktopSettingsData {
  startAtLogin: boolean;
}

const DEFAULTS: DesktopSettingsData = { startAtLogin: false };

/** `desktop-settings.json` in Electron's userData folder; a missing or damaged file means the defaults. */
export class DesktopSettings {
  private data: DesktopSettingsData;

  private constructor(readonly file: string) {
    this.data = { ...DEFAULTS };
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DesktopSettingsData>;
      if (typeof raw.startAtLogin === 'boolean') this.data.startAtLogin = raw.startAtLogin;
    } catch {
      /* first run, or a file we cannot read: defaults */
    }
  }

  static load(userData: string): DesktopSettings {
    return new DesktopSettings(path.join(userData, 'desktop-settings.json'));
  }

  get startAtLogin(): boolean {
    return this.data.startAtLogin;
  }

  set startAtLogin(on: boolean) {
    this.data.startAtLogin = on;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // Written to a temporary file and renamed, so a crash never leaves half a file.
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }
}
