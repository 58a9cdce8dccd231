import type { Phone, PhoneLine, PhoneRequest, PhoneState, Vendor } from '../../provisioning/phone.js';
import type { Database } from './database-types.js';

/** Schema step: provisioned and discovered phones, their lines, and the recent requests of each. */
export function createPhonesTables(db: Database): void {
  db.exec(`
    CREATE TABLE phones (
      mac              TEXT PRIMARY KEY,
      vendor           TEXT NOT NULL DEFAULT '',
      model            TEXT NOT NULL DEFAULT '',
      label            TEXT NOT NULL DEFAULT '',
      state            TEXT NOT NULL DEFAULT 'discovered',
      http_user        TEXT NOT NULL DEFAULT '',
      http_password    TEXT NOT NULL DEFAULT '',
      provision_until  INTEGER,
      last_provisioned INTEGER,
      last_seen        INTEGER,
      user_agent       TEXT NOT NULL DEFAULT '',
      address          TEXT NOT NULL DEFAULT '',
      created_at       INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL
    );
    CREATE TABLE phone_lines (
      mac       TEXT NOT NULL REFERENCES phones (mac) ON DELETE CASCADE,
      line      INTEGER NOT NULL,
      extension TEXT NOT NULL,
      PRIMARY KEY (mac, line)
    );
    CREATE INDEX phone_lines_extension ON phone_lines (extension);
    CREATE TABLE phone_requests (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      mac        TEXT NOT NULL REFERENCES phones (mac) ON DELETE CASCADE,
      time       INTEGER NOT NULL,
      protocol   TEXT NOT NULL,
      path       TEXT NOT NULL,
      outcome    TEXT NOT NULL,
      source     TEXT NOT NULL,
      user_agent TEXT NOT NULL
    );
    CREATE INDEX phone_requests_mac ON phone_requests (mac, id);
  `);
}

interface PhoneRow {
  mac: string;
  vendor: string;
  model: string;
  label: string;
  state: string;
  http_user: string;
  http_password: string;
  provision_until: number | null;
  last_provisioned: number | null;
  last_seen: number | null;
  user_agent: string;
  address: string;
  created_at: number;
  updated_at: number;
}

interface RequestRow {
  time: number;
  protocol: string;
  path: string;
  outcome: string;
  source: string;
  user_agent: string;
}

/** Phones in SQLite. The registry keeps them in memory and writes each change through here. */
export class PhoneRepository {
  private readonly selectAll;
  private readonly selectLines;
  private readonly upsert;
  private readonly deleteLines;
  private readonly insertLine;
  private readonly deleteOne;
  private readonly insertRequest;
  private readonly trimRequests;
  private readonly selectRequests;

  constructor(
    private readonly db: Database,
    /** Requests kept per phone. */
    private readonly requestsPerPhone = 50,
  ) {
    this.selectAll = db.prepare<[], PhoneRow>('SELECT * FROM phones');
    this.selectLines = db.prepare<[], PhoneLine & { mac: string }>(
      'SELECT mac, line, extension FROM phone_lines ORDER BY mac, line',
    );
    this.upsert = db.prepare(
      `INSERT INTO phones (mac, vendor, model, label, state, http_user, http_password, provision_until,
         last_provisioned, last_seen, user_agent, address, created_at, updated_at)
       VALUES (@mac, @vendor, @model, @label, @state, @http_user, @http_password, @provision_until,
         @last_provisioned, @last_seen, @user_agent, @address, @created_at, @updated_at)
       ON CONFLICT (mac) DO UPDATE SET vendor = excluded.vendor, model = excluded.model, label = excluded.label,
         state = excluded.state, http_user = excluded.http_user, http_password = excluded.http_password,
         provision_until = excluded.provision_until, last_provisioned = excluded.last_provisioned,
         last_seen = excluded.last_seen, user_agent = excluded.user_agent, address = excluded.address,
         updated_at = excluded.updated_at`,
    );
    this.deleteLines = db.prepare<[string]>('DELETE FROM phone_lines WHERE mac = ?');
    this.insertLine = db.prepare<[string, number, string]>(
      'INSERT INTO phone_lines (mac, line, extension) VALUES (?, ?, ?)',
    );
    this.deleteOne = db.prepare<[string]>('DELETE FROM phones WHERE mac = ?');
    this.insertRequest = db.prepare(
      `INSERT INTO phone_requests (mac, time, protocol, path, outcome, source, user_agent)
       VALUES (@mac, @time, @protocol, @path, @outcome, @source, @user_agent)`,
    );
    this.trimRequests = db.prepare<[string, string, number]>(
      `DELETE FROM phone_requests WHERE mac = ? AND id <= (
         SELECT id FROM phone_requests WHERE mac = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    this.selectRequests = db.prepare<[string, number], RequestRow>(
      'SELECT time, protocol, path, outcome, source, user_agent FROM phone_requests WHERE mac = ? ORDER BY id DESC LIMIT ?',
    );
  }

  loadAll(): Phone[] {
    const lines = new Map<string, PhoneLine[]>();
    for (const l of this.selectLines.all()) {
      const list = lines.get(l.mac) ?? [];
      list.push({ line: l.line, extension: l.extension });
      lines.set(l.mac, list);
    }
    return this.selectAll.all().map((r) => ({
      mac: r.mac,
      vendor: r.vendor as Vendor | '',
      model: r.model,
      label: r.label,
      lines: lines.get(r.mac) ?? [],
      state: r.state as PhoneState,
      httpUser: r.http_user,
      httpPassword: r.http_password,
      provisionUntil: r.provision_until,
      lastProvisioned: r.last_provisioned,
      lastSeen: r.last_seen,
      userAgent: r.user_agent,
      address: r.address,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  /** Writes the phone and, when `withLines`, replaces its lines, in one transaction. */
  save(p: Phone, withLines: boolean): void {
    this.db.transaction(() => {
      this.upsert.run({
        mac: p.mac,
        vendor: p.vendor,
        model: p.model,
        label: p.label,
        state: p.state,
        http_user: p.httpUser,
        http_password: p.httpPassword,
        provision_until: p.provisionUntil,
        last_provisioned: p.lastProvisioned,
        last_seen: p.lastSeen,
        user_agent: p.userAgent,
        address: p.address,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
      });
      if (withLines) {
        this.deleteLines.run(p.mac);
        for (const l of p.lines) this.insertLine.run(p.mac, l.line, l.extension);
      }
    })();
  }

  delete(mac: string): void {
    this.deleteOne.run(mac); // lines and requests go with it (ON DELETE CASCADE)
  }

  addRequest(mac: string, r: PhoneRequest): void {
    this.insertRequest.run({
      mac,
      time: r.time,
      protocol: r.protocol,
      path: r.path,
      outcome: r.outcome,
      source: r.source,
      user_agent: r.userAgent,
    });
    this.trimRequests.run(mac, mac, this.requestsPerPhone);
  }

  requests(mac: string, limit = 50): PhoneRequest[] {
    return this.selectRequests.all(mac, limit).map((r) => ({
      time: r.time,
      protocol: r.protocol as PhoneRequest['protocol'],
      path: r.path,
      outcome: r.outcome,
      source: r.source,
      userAgent: r.user_agent,
    }));
  }
}
