import type { AddressInfo } from 'node:net';
import { UserDirectory } from '../../engine/directory/index.js';
import { ApiServer } from '../../engine/http/index.js';
import type { ApiSources, BlockedAddressView, RegistrationView } from '../../engine/http/index.js';
import { LogRoot } from '../../engine/log/index.js';
import { CdrRepository, openDatabase, SettingsStore } from '../../engine/store/index.js';
import type { Database } from '../../engine/store/index.js';
import { tempDir } from '../store/temp-dir.js';

export const PASSWORD = 'correct horse battery';

/** Stub of what the engine supplies; tests change the fields. */
export class StubSources implements ApiSources {
  ok = true;
  listeners: Record<string, string> = { 'sip-udp': '127.0.0.1:5060', http: 'up' };
  regs: RegistrationView[] = [];
  blocked: BlockedAddressView[] = [];
  callList: unknown[] = [];
  health() {
    return { ok: this.ok, listeners: this.listeners };
  }
  registrations() {
    return this.regs;
  }
  blockedAddresses() {
    return this.blocked;
  }
  unblockAddress(address: string) {
    const before = this.blocked.length;
    this.blocked = this.blocked.filter((b) => b.address !== address);
    return this.blocked.length < before;
  }
  calls() {
    return this.callList;
  }
  statusView: Record<string, unknown> = { ok: true };
  status() {
    return this.statusView;
  }
  traces = new Map<string, unknown[]>();
  callTrace(callId: string) {
    return this.traces.get(callId);
  }
}

export interface Harness {
  base: string;
  db: Database;
  directory: UserDirectory;
  settings: SettingsStore;
  sources: StubSources;
  /** The call records behind /api/cdr (undefined when started with `cdr: false`). */
  cdr: CdrRepository | undefined;
  api: ApiServer;
  dbFile: string;
  /** fetch with admin credentials unless `auth` is given ('' for none). */
  call(
    method: string,
    path: string,
    init?: { body?: string | Buffer; auth?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Stops the server and closes the database; `keepFiles` leaves the data folder for a restart. */
  close(keepFiles?: boolean): Promise<void>;
}

export function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** A real ApiServer on 127.0.0.1 with an ephemeral port, over a real SQLite file in a fresh temp dir. */
export async function startHarness(
  options: {
    password?: string | undefined;
    dir?: ReturnType<typeof tempDir>;
    logRoot?: LogRoot;
    /** Serve /api/cdr from a real CdrRepository on the same database; true by default. */
    cdr?: boolean;
    /** A built console to serve at / (see ConsoleFiles). */
    consoleDir?: string;
  } = {},
): Promise<Harness> {
  const tmp = options.dir ?? tempDir();
  const logRoot = options.logRoot ?? new LogRoot('silent');
  const dbFile = tmp.file('data/officepbx.db');
  const db = openDatabase(dbFile, logRoot.logger('store'));
  const directory = new UserDirectory(db, logRoot.logger('directory'));
  const settings = new SettingsStore(db);
  const sources = new StubSources();
  const cdr = options.cdr === false ? undefined : new CdrRepository(db);
  const api = new ApiServer({
    log: logRoot.logger('api'),
    directory,
    settings,
    sources,
    cdr,
    adminPasswordOnFirstRun: 'password' in options ? options.password : PASSWORD,
    consoleDir: options.consoleDir,
  });
  await api.listen(0, '127.0.0.1');
  const port = (api.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const auth = basic('admin', PASSWORD);
  return {
    base,
    db,
    directory,
    settings,
    sources,
    cdr,
    api,
    dbFile,
    call: (method, path, init = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      const a = init.auth ?? auth;
      if (a !== '') headers.authorization = a;
      return fetch(base + path, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
    },
    close: async (keepFiles = false) => {
      await api.close();
      db.close();
      if (!keepFiles) tmp.remove();
    },
  };
}
