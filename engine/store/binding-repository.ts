import type { Binding, BindingPersistence } from '../sip/location/binding.js';
import type { TransportProtocol } from '../sip/transport/flow.js';
import type { Database } from './database-types.js';

interface BindingRow {
  aor: string;
  contact: string;
  params: string;
  call_id: string;
  cseq: number;
  expires_at: number;
  registered_at: number;
  transport: string;
  remote_address: string;
  remote_port: number;
  local_address: string;
  local_port: number;
  user_agent: string;
}

type Pending =
  | { op: 'save'; b: Binding }
  | { op: 'remove'; aor: string; contact: string }
  | { op: 'removeAll'; aor: string };

/**
 * Registrations in SQLite so a restart does not drop every phone until it re-registers. Writes are queued
 * and flushed together a few times a second in one transaction: a burst of thousands of REGISTERs costs a
 * handful of commits, and the SIP path never waits on the disk. A crash loses at most the last flush interval.
 */
export class BindingRepository implements BindingPersistence {
  private readonly queue = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly deleteAllStmt;
  private readonly selectAll;

  constructor(
    private readonly db: Database,
    private readonly flushMs = 200,
  ) {
    this.upsertStmt = db.prepare(
      `INSERT INTO bindings (aor, contact, params, call_id, cseq, expires_at, registered_at, transport, remote_address, remote_port, local_address, local_port, user_agent)
       VALUES (@aor, @contact, @params, @call_id, @cseq, @expires_at, @registered_at, @transport, @remote_address, @remote_port, @local_address, @local_port, @user_agent)
       ON CONFLICT (aor, contact) DO UPDATE SET params = excluded.params, call_id = excluded.call_id, cseq = excluded.cseq,
         expires_at = excluded.expires_at, registered_at = excluded.registered_at, transport = excluded.transport,
         remote_address = excluded.remote_address, remote_port = excluded.remote_port, local_address = excluded.local_address,
         local_port = excluded.local_port, user_agent = excluded.user_agent`,
    );
    this.deleteStmt = db.prepare<[string, string]>('DELETE FROM bindings WHERE aor = ? AND contact = ?');
    this.deleteAllStmt = db.prepare<[string]>('DELETE FROM bindings WHERE aor = ?');
    this.selectAll = db.prepare<[], BindingRow>('SELECT * FROM bindings');
  }

  loadAll(): Binding[] {
    // A WebSocket phone is reachable only over its connection, which did not survive the restart.
    const rows = this.selectAll.all().filter((r) => r.transport !== 'WS' && r.transport !== 'WSS');
    return rows.map((r) => ({
      aor: r.aor,
      contact: r.contact,
      params: r.params,
      callId: r.call_id,
      cseq: r.cseq,
      expiresAt: r.expires_at,
      registeredAt: r.registered_at,
      // Connections do not survive a restart: a TCP binding is reached anew at its source address,
      // which is what the phone's NAT binding or listening socket expects.
      flow: {
        transport: r.transport as TransportProtocol,
        remoteAddress: r.remote_address,
        remotePort: r.remote_port,
        localAddress: r.local_address,
        localPort: r.local_port,
      },
      userAgent: r.user_agent,
      reachable: null,
    }));
  }

  save(b: Binding): void {
    this.enqueue(`${b.aor}\n${b.contact}`, { op: 'save', b });
  }

  remove(aor: string, contact: string): void {
    this.enqueue(`${aor}\n${contact}`, { op: 'remove', aor, contact });
  }

  removeAll(aor: string): void {
    for (const k of [...this.queue.keys()]) if (k.startsWith(aor + '\n')) this.queue.delete(k);
    this.enqueue(`${aor}\n*`, { op: 'removeAll', aor });
  }

  private enqueue(key: string, p: Pending): void {
    this.queue.delete(key); // keep order: the latest operation on a key goes last
    this.queue.set(key, p);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything queued in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.size === 0) return;
    const ops = [...this.queue.values()];
    this.queue.clear();
    this.db.transaction(() => {
      for (const p of ops) {
        if (p.op === 'save') {
          const b = p.b;
          this.upsertStmt.run({
            aor: b.aor,
            contact: b.contact,
            params: b.params,
            call_id: b.callId,
            cseq: b.cseq,
            expires_at: b.expiresAt,
            registered_at: b.registeredAt,
            transport: b.flow.transport,
            remote_address: b.flow.remoteAddress,
            remote_port: b.flow.remotePort,
            local_address: b.flow.localAddress,
            local_port: b.flow.localPort,
            user_agent: b.userAgent,
          });
        } else if (p.op === 'remove') this.deleteStmt.run(p.aor, p.contact);
        else this.deleteAllStmt.run(p.aor);
      }
    })();
  }
}

/** Schema step for the bindings table (appended to MIGRATIONS). */
export function createBindingsTable(db: Database): void {
  db.exec(`
    CREATE TABLE bindings (
      aor            TEXT NOT NULL,
      contact        TEXT NOT NULL,
      params         TEXT NOT NULL DEFAULT '',
      call_id        TEXT NOT NULL,
      cseq           INTEGER NOT NULL,
      expires_at     INTEGER NOT NULL,
      registered_at  INTEGER NOT NULL,
      transport      TEXT NOT NULL,
      remote_address TEXT NOT NULL,
      remote_port    INTEGER NOT NULL,
      local_address  TEXT NOT NULL,
      local_port     INTEGER NOT NULL,
      user_agent     TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (aor, contact)
    );
    CREATE INDEX bindings_expires ON bindings (expires_at);
  `);
}
