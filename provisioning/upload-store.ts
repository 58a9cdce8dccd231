import fs from 'node:fs';
import path from 'node:path';

export interface UploadStoreOptions {
  dir: string;
  /** Largest single upload. */
  maxFileBytes: number;
  /** The folder never holds more than this; the oldest files go first. */
  maxTotalBytes: number;
  maxFiles: number;
}

/**
 * Files phones write to the provisioning server (Polycom `<mac>-app.log` and `-phone.cfg` overrides, Yealink
 * `<mac>-local.cfg`, logs): kept in one flat, bounded folder so a chatty or hostile device cannot fill the disk.
 */
export class UploadStore {
  constructor(private readonly o: UploadStoreOptions) {
    fs.mkdirSync(o.dir, { recursive: true });
  }

  get maxFileBytes(): number {
    return this.o.maxFileBytes;
  }

  /** Only plain names: letters, digits, `.`, `-`, `_`; no directories. */
  static validName(name: string): boolean {
    return /^[a-z0-9][a-z0-9._-]{0,120}$/.test(name) && !name.includes('..');
  }

  write(name: string, data: Buffer): void {
    if (!UploadStore.validName(name)) throw new Error(`bad upload name ${name}`);
    const tmp = path.join(this.o.dir, `.${name}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path.join(this.o.dir, name));
    this.trim();
  }

  read(name: string): Buffer | undefined {
    if (!UploadStore.validName(name)) return undefined;
    try {
      return fs.readFileSync(path.join(this.o.dir, name));
    } catch {
      return undefined;
    }
  }

  list(): { name: string; bytes: number; mtime: number }[] {
    return fs
      .readdirSync(this.o.dir)
      .filter((n) => !n.startsWith('.'))
      .map((name) => {
        const st = fs.statSync(path.join(this.o.dir, name));
        return { name, bytes: st.size, mtime: st.mtimeMs };
      });
  }

  private trim(): void {
    const files = this.list().sort((a, b) => a.mtime - b.mtime);
    let total = files.reduce((s, f) => s + f.bytes, 0);
    let count = files.length;
    for (const f of files) {
      if (total <= this.o.maxTotalBytes && count <= this.o.maxFiles) break;
      fs.rmSync(path.join(this.o.dir, f.name), { force: true });
      total -= f.bytes;
      count--;
    }
  }
}
