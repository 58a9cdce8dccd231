import fs from 'node:fs';
import path from 'node:path';
import type { UserDirectory } from '../engine/directory/user-directory.js';
import type { Logger } from '../engine/log/index.js';
import type { Vendor } from './phone.js';
import type { PhoneRegistry } from './phone-registry.js';
import type { UploadStore } from './upload-store.js';
import {
  parseUserAgent,
  TEMPLATES,
  templateFor,
  vendorByOui,
  type FileMatch,
  type LineAccount,
  type ProvisioningContext,
  type VendorTemplate,
} from './vendors/index.js';

/** One request for a file, over TFTP or HTTP. */
export interface FileRequest {
  /** As the phone sent it. */
  path: string;
  protocol: 'tftp' | 'http';
  /** `address:port`. */
  source: string;
  userAgent: string;
  /** The MAC whose HTTP credentials the request proved (HTTP digest), if any. */
  authenticatedMac?: string | undefined;
}

/** What to answer. `denied` (traversal, absolute path) and `not-found` become TFTP errors or HTTP 403/404. */
export type FileAnswer =
  | { kind: 'file'; body: Buffer; contentType: string; outcome: string }
  | { kind: 'disk'; filePath: string; contentType: string }
  | { kind: 'denied'; message: string }
  | { kind: 'not-found'; message: string };

/** Which vendor file a request names, before anything is generated. */
export interface FileTarget {
  name: string;
  template: VendorTemplate;
  match: FileMatch;
}

export interface ProvisioningFilesOptions {
  phones: PhoneRegistry;
  directory: UserDirectory;
  uploads: UploadStore;
  /** Static files (firmware, ring tones) served as they are; nothing outside it is ever read. */
  root: string;
  context(): ProvisioningContext;
  log: Logger;
}

const MAX_PATH = 255;

/**
 * The provisioning files, generated from the database at each request. A phone gets its own accounts only
 * when an admin assigned it lines, and the SIP passwords only when it proved its HTTP credentials or its
 * provisioning window is open. Any other phone gets the vendor's valid, empty file: never 404 for a name
 * a phone asks for on its way (a missing common file stops some firmware), never anyone else's accounts.
 */
export class ProvisioningFiles {
  private readonly rootReal: string;

  constructor(private readonly o: ProvisioningFilesOptions) {
    fs.mkdirSync(o.root, { recursive: true });
    this.rootReal = fs.realpathSync(o.root);
  }

  /** Checks the requested path; the lower-cased file name, or why it is refused. */
  static safeName(requested: string): { name: string; relative: string } | { refused: string } {
    if (requested.length === 0 || requested.length > MAX_PATH) return { refused: 'bad file name' };
    if (/[\u0000-\u001f\\]/.test(requested)) return { refused: 'bad characters in the file name' };
    if (/^[a-z]:/i.test(requested)) return { refused: 'absolute paths are not served' };
    let rel = requested;
    // Phones configured with a path such as "/spa$PSN.cfg" ask for "/name": one leading slash before a plain
    // name is read relative to the provisioning root (as tftpd -s does); anything else absolute is refused.
    if (rel.startsWith('/')) {
      if (rel.startsWith('//') || rel.indexOf('/', 1) >= 0)
        return { refused: 'absolute paths are not served' };
      rel = rel.slice(1);
    }
    const parts = rel.split('/');
    if (parts.some((p) => p === '..' || p === '.' || p === ''))
      return { refused: 'path traversal is not allowed' };
    return { name: parts[parts.length - 1]!.toLowerCase(), relative: parts.join('/') };
  }

  /** Which vendor file this is (for HTTP credentials, before generating anything); null for other files. */
  identify(requested: string, userAgent: string): FileTarget | null {
    const safe = ProvisioningFiles.safeName(requested);
    if ('refused' in safe) return null;
    const candidates: FileTarget[] = [];
    for (const t of TEMPLATES) {
      const match = t.match(safe.name);
      if (match) candidates.push({ name: safe.name, template: t, match });
    }
    if (candidates.length <= 1) return candidates[0] ?? null;
    // `<mac>.cfg` is Yealink's and Polycom's: the phone's record, its User-Agent, then its OUI decide.
    const mac = 'mac' in candidates[0]!.match ? candidates[0]!.match.mac : undefined;
    const known = mac ? this.o.phones.get(mac)?.vendor : undefined;
    const vendor: Vendor | undefined =
      (known || undefined) ?? parseUserAgent(userAgent)?.vendor ?? (mac ? vendorByOui(mac) : undefined);
    return candidates.find((c) => c.template.vendor === vendor) ?? candidates[0]!;
  }

  resolve(req: FileRequest): FileAnswer {
    const answer = this.answer(req);
    const outcome =
      answer.kind === 'file' ? answer.outcome : answer.kind === 'disk' ? 'static file' : answer.kind;
    this.o.log.info('phone request', {
      protocol: req.protocol,
      source: req.source,
      path: req.path.slice(0, 120),
      userAgent: req.userAgent.slice(0, 120),
      outcome,
    });
    return answer;
  }

  private answer(req: FileRequest): FileAnswer {
    const safe = ProvisioningFiles.safeName(req.path);
    if ('refused' in safe) return { kind: 'denied', message: safe.refused };
    const ua = parseUserAgent(req.userAgent);
    const target = this.identify(req.path, req.userAgent);
    if (!target) {
      // Not a file we generate: maybe firmware or a ring tone the admin put in the root.
      if (ua?.mac) this.sighted(ua.mac, ua.vendor, ua.model, req, 'static file request');
      const file = this.staticFile(safe.relative);
      if (file) return { kind: 'disk', filePath: file, contentType: 'application/octet-stream' };
      return { kind: 'not-found', message: 'file not found' };
    }
    const ctx = this.o.context();
    const { template: t, match } = target;
    const contentType = t.contentType(target.name);
    const model =
      ('model' in match ? match.model : undefined) ?? (ua?.vendor === t.vendor ? ua.model : undefined);
    const file = (body: string, outcome: string): FileAnswer => ({
      kind: 'file',
      body: Buffer.from(body, 'utf8'),
      contentType,
      outcome,
    });
    switch (match.kind) {
      case 'common': {
        const mac = ua?.vendor === t.vendor ? ua.mac : undefined;
        if (mac) this.sighted(mac, t.vendor, model, req, 'common file');
        return file(t.commonFile(ctx, target.name), 'common file');
      }
      case 'empty':
        if (match.mac) this.sighted(match.mac, t.vendor, model, req, 'empty file');
        return file(t.emptyFile(target.name), 'empty file');
      case 'upload': {
        if (match.mac) this.sighted(match.mac, t.vendor, model, req, 'its upload');
        const saved = this.o.uploads.read(target.name);
        return saved
          ? { kind: 'file', body: saved, contentType, outcome: 'its upload' }
          : file(t.emptyFile(target.name), 'empty file');
      }
      case 'phone': {
        const phone = this.o.phones.get(match.mac);
        const assigned = phone !== undefined && phone.state === 'assigned' && phone.lines.length > 0;
        if (!assigned || (phone.vendor !== '' && phone.vendor !== t.vendor)) {
          this.sighted(match.mac, t.vendor, model, req, 'not assigned: empty file');
          return file(t.phoneFile(ctx, match.mac, [], match.part), 'not assigned: empty file');
        }
        const secrets = req.authenticatedMac === phone.mac || this.o.phones.windowOpen(phone);
        const accounts: LineAccount[] = [];
        for (const l of phone.lines) {
          const user = this.o.directory.get(l.extension);
          if (!user) continue;
          accounts.push({
            line: l.line,
            extension: user.extension,
            displayName: user.name || user.extension,
            authUser: user.extension,
            password: secrets ? user.secret : undefined,
          });
        }
        const outcome = secrets ? 'provisioned' : 'provisioned without passwords (window closed)';
        // Only the file with the accounts counts as "provisioned"; boot and master files lead to it.
        const full = match.part === undefined;
        this.sighted(match.mac, t.vendor, model, req, outcome, full && secrets);
        return file(t.phoneFile(ctx, phone.mac, accounts, match.part), outcome);
      }
    }
  }

  /** The generated file for the console's preview, passwords replaced by `********`. */
  preview(mac: string): { name: string; contentType: string; body: string } | null {
    const phone = this.o.phones.get(mac);
    if (!phone || phone.vendor === '') return null;
    const t = templateFor(phone.vendor);
    const accounts: LineAccount[] = [];
    for (const l of phone.lines) {
      const user = this.o.directory.get(l.extension);
      if (user)
        accounts.push({
          line: l.line,
          extension: user.extension,
          displayName: user.name || user.extension,
          authUser: user.extension,
          password: '********',
        });
    }
    const name = PHONE_FILE_NAME[phone.vendor](phone.mac);
    return {
      name,
      contentType: t.contentType(name),
      body: t.phoneFile(this.o.context(), phone.mac, accounts),
    };
  }

  private sighted(
    mac: string,
    vendor: Vendor,
    model: string | undefined,
    req: FileRequest,
    outcome: string,
    provisioned = false,
  ): void {
    this.o.phones.sighted({
      mac,
      vendor,
      model,
      userAgent: req.userAgent,
      address: req.source.replace(/:\d+$/, ''),
      provisioned,
      request: {
        protocol: req.protocol,
        path: req.path.slice(0, 200),
        outcome,
        source: req.source,
        userAgent: req.userAgent.slice(0, 200),
      },
    });
  }

  /** A regular file inside the root, following no link out of it. */
  private staticFile(relative: string): string | undefined {
    const full = path.join(this.rootReal, relative);
    try {
      const real = fs.realpathSync(full);
      if (!real.startsWith(this.rootReal + path.sep)) return undefined;
      return fs.statSync(real).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The name under which each vendor asks for a phone's own file (the one with the accounts). */
export const PHONE_FILE_NAME: Readonly<Record<Vendor, (mac: string) => string>> = {
  yealink: (mac) => `${mac}.cfg`,
  polycom: (mac) => `${mac}-officepbx.cfg`,
  grandstream: (mac) => `cfg${mac}.xml`,
  snom: (mac) => `snom-${mac}.xml`,
  cisco: (mac) => `spa${mac}.xml`,
};
