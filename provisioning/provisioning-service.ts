import os from 'node:os';
import path from 'node:path';
import type { UserDirectory } from '../engine/directory/user-directory.js';
import type { LogRoot, Logger } from '../engine/log/index.js';
import type { ParseResult, SipMessage } from '../engine/sip/message/index.js';
import type { Flow } from '../engine/sip/transport/flow.js';
import type { Database } from '../engine/store/database-types.js';
import { PhoneRepository } from '../engine/store/phone-repository.js';
import { sendCheckSync, type ResyncTarget } from './check-sync.js';
import { ProvHttpServer } from './http/prov-http-server.js';
import { formatMac } from './mac-address.js';
import { isVendor, type Phone } from './phone.js';
import type { PhoneView, ProvisioningInfo } from './phone-view.js';
import { PhoneRegistry } from './phone-registry.js';
import { PnpServer, type DatagramSend } from './pnp/pnp-server.js';
import { ProvisioningFiles, PHONE_FILE_NAME } from './provisioning-files.js';
import { standardOffsetMinutes } from './time-zone.js';
import { bufferFile, diskFile } from './tftp/tftp-file.js';
import { TftpErrorCode } from './tftp/tftp-packet.js';
import { TftpServer } from './tftp/tftp-server.js';
import { UploadStore } from './upload-store.js';
import { parseUserAgent, templateFor, TEMPLATES, type ProvisioningContext } from './vendors/index.js';

export interface ProvisioningSettings {
  dataDir: string;
  bind: string;
  advertise: string;
  sipPort: number;
  tftpPort: number;
  provPort: number;
  /** SIP multicast plug-and-play on or off. */
  pnp: boolean;
  pnpPort: number;
  /** Minutes a newly assigned phone may fetch its passwords without HTTP credentials; 0 = always. */
  windowMinutes: number;
  timeZone: string;
  voicemailNumber: string;
  ntpServer: string;
  userAgent: string;
}

export interface ProvisioningDeps {
  db: Database;
  directory: UserDirectory;
  logRoot: LogRoot;
  /** Registered contacts of an extension (for check-sync). */
  contacts(extension: string): ResyncTarget[];
  /** Sends a SIP message on the SIP transports. */
  sendSip(msg: SipMessage, flow: Flow): unknown;
}

/** The provisioning part of the engine: phones, files, TFTP, HTTP, plug-and-play, check-sync. */
export class ProvisioningService {
  readonly phones: PhoneRegistry;
  readonly files: ProvisioningFiles;
  readonly uploads: UploadStore;
  readonly tftp: TftpServer;
  readonly http: ProvHttpServer;
  readonly pnp: PnpServer | undefined;
  private readonly log: Logger;
  private readonly status: Record<string, string> = { tftp: 'down', 'prov-http': 'down' };
  /** The PnP port is the SIP port: SUBSCRIBEs arrive on the SIP socket and come through `intercept`. */
  private pnpShared = false;
  /** Addresses of other plug-and-play servers that answered our probe at start. */
  private otherPnpServers: string[] = [];

  constructor(
    private readonly s: ProvisioningSettings,
    private readonly d: ProvisioningDeps,
  ) {
    this.log = d.logRoot.logger('prov');
    const root = path.join(s.dataDir, 'provisioning');
    this.phones = new PhoneRegistry({
      repository: new PhoneRepository(d.db),
      hasExtension: (e) => d.directory.get(e) !== undefined,
      windowMinutes: s.windowMinutes,
    });
    this.uploads = new UploadStore({
      dir: path.join(root, 'uploads'),
      maxFileBytes: 1024 * 1024,
      maxTotalBytes: 64 * 1024 * 1024,
      maxFiles: 2000,
    });
    this.files = new ProvisioningFiles({
      phones: this.phones,
      directory: d.directory,
      uploads: this.uploads,
      root: path.join(root, 'files'),
      context: () => this.context(),
      log: d.logRoot.logger('prov.files'),
    });
    this.tftp = new TftpServer({
      log: d.logRoot.logger('prov.tftp'),
      resolve: async (filename, peer) => {
        const a = this.files.resolve({
          path: filename,
          protocol: 'tftp',
          source: `${peer.address}:${peer.port}`,
          userAgent: '',
        });
        switch (a.kind) {
          case 'file':
            return { file: bufferFile(a.body) };
          case 'disk':
            return { file: await diskFile(a.filePath) };
          case 'denied':
            return { error: TftpErrorCode.accessViolation, message: a.message };
          case 'not-found':
            return { error: TftpErrorCode.fileNotFound, message: a.message };
        }
      },
    });
    this.http = new ProvHttpServer({
      files: this.files,
      phones: this.phones,
      uploads: this.uploads,
      log: d.logRoot.logger('prov.http'),
    });
    if (s.pnp) {
      this.pnp = new PnpServer({
        advertise: s.advertise,
        userAgent: s.userAgent,
        log: d.logRoot.logger('prov.pnp'),
        urlFor: (sub) => {
          const vendor = sub.vendor.toLowerCase();
          const t = TEMPLATES.find((x) => x.vendor === vendor);
          return t ? t.pnpUrl(this.context(), sub.mac, sub.model) : this.context().provUrl;
        },
        onSubscribe: (sub, source) => {
          if (!sub.mac) return;
          const v = sub.vendor.toLowerCase();
          const ua = parseUserAgent(sub.userAgent);
          this.phones.sighted({
            mac: sub.mac,
            vendor: isVendor(v) ? v : ua?.vendor,
            model: sub.model || ua?.model,
            userAgent: sub.userAgent,
            address: source.address,
            request: {
              protocol: 'pnp',
              path: `SUBSCRIBE ua-profile${sub.vendor ? ` (${sub.vendor} ${sub.model})` : ''}`,
              outcome: 'sent the provisioning URL',
              source: `${source.address}:${source.port}`,
              userAgent: sub.userAgent,
            },
          });
        },
      });
    }
    // A deleted user's lines leave the phones that carried them.
    d.directory.onChange((ev) => {
      if (ev.kind !== 'deleted') return;
      for (const p of this.phones.withExtension(ev.user.extension)) {
        const lines = p.lines.filter((l) => l.extension !== ev.user.extension);
        this.phones.update(p.mac, { lines });
      }
    });
    this.phones.onChange((c) => {
      if (c.kind !== 'updated' || !c.previous) return;
      const linesChanged = JSON.stringify(c.previous.lines) !== JSON.stringify(c.phone.lines);
      const reopened = c.phone.provisionUntil !== c.previous.provisionUntil;
      if (linesChanged || (reopened && c.phone.lastSeen === c.previous.lastSeen))
        this.checkSync(c.phone, c.previous);
    });
  }

  /** Provisioning values from the engine's settings, computed at each request (the address may change). */
  context(): ProvisioningContext {
    const s = this.s;
    const port = this.http.port || s.provPort;
    return {
      server: s.advertise,
      sipPort: s.sipPort,
      transport: 'udp',
      provUrl: `http://${s.advertise}:${port}/`,
      timeZone: s.timeZone,
      utcOffsetMinutes: standardOffsetMinutes(s.timeZone),
      voicemailNumber: s.voicemailNumber,
      ntpServer: s.ntpServer,
    };
  }

  /**
   * Starts the listeners. TFTP, HTTP provisioning and PnP are not worth refusing to start the phone system
   * for: a port that is taken or privileged (69 needs root) is logged and shown as unavailable in health.
   */
  async start(): Promise<void> {
    const s = this.s;
    await this.tryListen(
      'tftp',
      () => this.tftp.listen(s.bind, s.tftpPort),
      () => `${s.bind}:${this.tftp.port}`,
    );
    await this.tryListen(
      'prov-http',
      () => this.http.listen(s.provPort, s.bind),
      () => `${s.bind}:${this.http.port}`,
    );
    if (this.pnp) {
      const iface = s.advertise;
      const where = (): string =>
        `${this.pnp!.joinedOn}:${this.pnp!.localPort} (${interfaceName(iface) ?? '?'})`;
      if (s.pnpPort === s.sipPort) {
        this.pnpShared = true;
        await this.tryListen('pnp', () => this.pnp!.joinOnly(iface, s.sipPort), where);
      } else {
        await this.tryListen('pnp', () => this.pnp!.listen(s.pnpPort, iface), where);
      }
      if (!this.status.pnp!.startsWith('unavailable')) {
        this.log.info('plug-and-play: listening for phones on 224.0.1.75', {
          interface: interfaceName(iface),
          address: iface,
          port: s.pnpPort,
        });
        // In the background: starting the phone system does not wait for the answer.
        void this.pnp.probe(iface, s.pnpPort).then((others) => {
          this.otherPnpServers = others;
          if (others.length)
            this.log.warn(
              'another plug-and-play server answers phones on this network: turn one of them off',
              {
                servers: others,
                hint: 'phones take whichever answers first; use --pnp off on one of them',
              },
            );
        });
      }
    }
  }

  private async tryListen(name: string, listen: () => Promise<void>, where: () => string): Promise<void> {
    try {
      await listen();
      this.status[name] = where();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      this.status[name] = `unavailable (${code})`;
      this.log.warn(`${name} is not available: phones cannot use it`, { err, hint: hintFor(name, code) });
    }
  }

  /** Hook for the SIP UDP transport: PnP SUBSCRIBEs (and answers to our NOTIFYs) that reached the SIP port. */
  interceptSip(r: ParseResult, flow: Flow, send: DatagramSend): boolean {
    if (!this.pnp || !this.pnpShared) return false;
    return this.pnp.intercept(r, { address: flow.remoteAddress, port: flow.remotePort }, send);
  }

  listeners(): Record<string, string> {
    return { ...this.status };
  }

  /** What the console's provisioning page shows: addresses to give phones, DHCP option values. */
  info(): ProvisioningInfo {
    const ctx = this.context();
    return {
      advertise: this.s.advertise,
      provisioningUrl: ctx.provUrl,
      tftp: this.status.tftp ?? 'down',
      http: this.status['prov-http'] ?? 'down',
      pnp: this.pnp
        ? {
            enabled: true,
            listener: this.status.pnp ?? 'down',
            interface: interfaceName(this.s.advertise) ?? null,
            otherServers: this.otherPnpServers,
          }
        : { enabled: false },
      windowMinutes: this.s.windowMinutes,
      timeZone: this.s.timeZone,
      voicemailNumber: this.s.voicemailNumber,
      dhcp: {
        option66: ctx.provUrl,
        option66Tftp: this.s.advertise,
        option160: ctx.provUrl,
        option150: this.s.advertise,
      },
    };
  }

  /** JSON view of a phone for the API (the HTTP password is never shown). */
  view(p: Phone): PhoneView {
    const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
    return {
      mac: p.mac,
      macFormatted: formatMac(p.mac),
      vendor: p.vendor,
      model: p.model,
      label: p.label,
      state: p.state,
      lines: p.lines,
      extensions: p.lines.map((l) => l.extension),
      httpUser: p.httpUser,
      httpPasswordSet: p.httpPassword !== '',
      provisionUntil: iso(p.provisionUntil),
      provisioningWindowOpen: this.phones.windowOpen(p),
      lastProvisioned: iso(p.lastProvisioned),
      lastSeen: iso(p.lastSeen),
      userAgent: p.userAgent,
      address: p.address,
      fileName: p.vendor ? PHONE_FILE_NAME[p.vendor](p.mac) : null,
      fileUrl: p.vendor ? `${this.context().provUrl}${PHONE_FILE_NAME[p.vendor](p.mac)}` : null,
      createdAt: new Date(p.createdAt).toISOString(),
      updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }

  /**
   * A registered phone whose assignment changed is asked to fetch its file now. Which registered contact
   * is this phone: the ones of its old and new extensions registered from the address it last fetched from.
   */
  private checkSync(phone: Phone, previous: Phone): void {
    if (!phone.vendor || !phone.address) return;
    const event = templateFor(phone.vendor).resyncEvent;
    if (!event) return;
    const extensions = new Set([...previous.lines, ...phone.lines].map((l) => l.extension));
    const seen = new Set<string>();
    for (const ext of extensions) {
      for (const t of this.d.contacts(ext)) {
        if (t.flow.remoteAddress !== phone.address || seen.has(t.contact)) continue;
        seen.add(t.contact);
        sendCheckSync(
          { send: this.d.sendSip, advertise: this.s.advertise, sipPort: this.s.sipPort, log: this.log },
          t,
          event,
        );
      }
    }
  }

  async stop(): Promise<void> {
    this.pnp?.close();
    await this.tftp.close();
    await this.http.close();
  }
}

function interfaceName(address: string): string | undefined {
  for (const [name, list] of Object.entries(os.networkInterfaces()))
    if (list?.some((a) => a.address === address)) return name;
  return undefined;
}

function hintFor(name: string, code: string): string {
  if (code === 'EACCES')
    return `ports below 1024 need administrator rights; choose another with --${name === 'tftp' ? 'tftp-port' : 'prov-port'}`;
  if (code === 'EADDRINUSE')
    return 'another program (often another TFTP/provisioning server or PBX) holds the port';
  if (name === 'pnp')
    return 'the advertised address must be on a network adapter with multicast; see --advertise, or turn PnP off with --pnp off';
  return '';
}
