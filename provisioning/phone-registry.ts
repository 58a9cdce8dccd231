import { ValidationError } from '../engine/directory/directory-errors.js';
import type { PhoneRepository } from '../engine/store/phone-repository.js';
import { normalizeMac, ZERO_MAC } from './mac-address.js';
import { isVendor, VENDORS, type Phone, type PhoneLine, type PhoneRequest, type Vendor } from './phone.js';

/** What an admin may set on a phone (API body). */
export interface PhoneInput {
  mac?: unknown;
  vendor?: unknown;
  model?: unknown;
  label?: unknown;
  lines?: unknown;
  /** Shorthand for `lines`: extensions on lines 1, 2, … */
  extensions?: unknown;
  httpUser?: unknown;
  httpPassword?: unknown;
  /** true: open the provisioning window again (as after a factory reset); false: close it now. */
  reprovision?: unknown;
}

const INPUT_FIELDS = new Set([
  'mac',
  'vendor',
  'model',
  'label',
  'lines',
  'extensions',
  'httpUser',
  'httpPassword',
  'reprovision',
]);
export const MAX_LINES = 16;

export type PhoneChange = { kind: 'created' | 'updated' | 'deleted'; phone: Phone; previous?: Phone };

export interface PhoneRegistryOptions {
  repository: PhoneRepository;
  /** Whether an extension exists (lines may only name real users). */
  hasExtension(extension: string): boolean;
  /** Minutes the file with secrets is served without HTTP credentials after an assignment; 0 = always. */
  windowMinutes: number;
  /** Discovered (unassigned) phones kept at most; the least recently seen go first. */
  maxDiscovered?: number;
  now?: () => number;
}

/** What a phone told us about itself with one request. */
export interface PhoneSighting {
  mac: string;
  vendor?: Vendor | undefined;
  model?: string | undefined;
  userAgent?: string | undefined;
  address: string;
  request: Omit<PhoneRequest, 'time'>;
  /** It received its own file with credentials. */
  provisioned?: boolean;
}

/**
 * Every phone the PBX knows, in memory and written through to SQLite: the ones an admin assigned lines to,
 * and the ones that only asked for a file or sent a PnP SUBSCRIBE ("discovered").
 */
export class PhoneRegistry {
  private readonly phones = new Map<string, Phone>();
  private readonly listeners: Array<(c: PhoneChange) => void> = [];
  private readonly now: () => number;

  constructor(private readonly o: PhoneRegistryOptions) {
    this.now = o.now ?? Date.now;
    for (const p of o.repository.loadAll()) this.phones.set(p.mac, p);
  }

  onChange(l: (c: PhoneChange) => void): void {
    this.listeners.push(l);
  }

  list(): Phone[] {
    return [...this.phones.values()].sort(
      (a, b) => (a.state === b.state ? 0 : a.state === 'assigned' ? -1 : 1) || a.mac.localeCompare(b.mac),
    );
  }

  get(mac: string): Phone | undefined {
    const m = normalizeMac(mac);
    return m ? this.phones.get(m) : undefined;
  }

  requests(mac: string): PhoneRequest[] {
    return this.o.repository.requests(mac);
  }

  /** Phones with a line for this extension. */
  withExtension(extension: string): Phone[] {
    return [...this.phones.values()].filter((p) => p.lines.some((l) => l.extension === extension));
  }

  /** Whether the phone's file may carry SIP passwords to a request without its HTTP credentials. */
  windowOpen(p: Phone): boolean {
    if (this.o.windowMinutes === 0) return true;
    return p.provisionUntil !== null && this.now() < p.provisionUntil;
  }

  create(input: PhoneInput): Phone {
    const fields = this.check(input, true);
    const mac = fields.mac!;
    const existing = this.phones.get(mac);
    // Adopting a discovered phone is a create from the console's point of view: keep what it told us.
    if (existing && existing.state === 'assigned')
      throw new ValidationError('mac', `a phone with MAC ${mac} is already set up`);
    const now = this.now();
    const base: Phone = existing ?? newPhone(mac, now);
    const phone = this.apply({ ...base }, fields, now);
    this.store(phone, existing, true);
    return phone;
  }

  update(mac: string, input: PhoneInput): Phone {
    const previous = this.require(mac);
    const fields = this.check(input, false);
    if (fields.mac !== undefined && fields.mac !== previous.mac)
      throw new ValidationError('mac', 'the MAC of a phone cannot change; delete it and add the new one');
    const phone = this.apply({ ...previous }, fields, this.now());
    this.store(phone, previous, true);
    return phone;
  }

  delete(mac: string): Phone {
    const phone = this.require(mac);
    this.phones.delete(phone.mac);
    this.o.repository.delete(phone.mac);
    this.emit({ kind: 'deleted', phone });
    return phone;
  }

  /** Records a request: the phone appears as discovered if new; vendor, model, address are learnt. */
  sighted(s: PhoneSighting): Phone | undefined {
    if (s.mac === ZERO_MAC) return undefined;
    const now = this.now();
    const previous = this.phones.get(s.mac);
    const phone: Phone = previous ? { ...previous } : newPhone(s.mac, now);
    if (s.vendor && (phone.vendor === '' || phone.state === 'discovered')) phone.vendor = s.vendor;
    if (s.model && (phone.model === '' || phone.state === 'discovered')) phone.model = s.model;
    if (s.userAgent) phone.userAgent = s.userAgent.slice(0, 200);
    phone.address = s.address;
    phone.lastSeen = now;
    if (s.provisioned) phone.lastProvisioned = now;
    phone.updatedAt = now;
    this.phones.set(phone.mac, phone);
    this.o.repository.save(phone, false);
    this.o.repository.addRequest(phone.mac, { ...s.request, time: now });
    if (!previous) this.evictDiscovered();
    this.emit(previous ? { kind: 'updated', phone, previous } : { kind: 'created', phone });
    return phone;
  }

  private evictDiscovered(): void {
    const max = this.o.maxDiscovered ?? 500;
    const discovered = [...this.phones.values()].filter((p) => p.state === 'discovered');
    if (discovered.length <= max) return;
    discovered.sort((a, b) => (a.lastSeen ?? 0) - (b.lastSeen ?? 0));
    for (const p of discovered.slice(0, discovered.length - max)) {
      this.phones.delete(p.mac);
      this.o.repository.delete(p.mac);
    }
  }

  private require(mac: string): Phone {
    const m = normalizeMac(mac);
    const phone = m ? this.phones.get(m) : undefined;
    if (!phone) throw new PhoneNotFoundError(mac);
    return phone;
  }

  private store(phone: Phone, previous: Phone | undefined, withLines: boolean): void {
    this.phones.set(phone.mac, phone);
    this.o.repository.save(phone, withLines);
    this.emit(previous ? { kind: 'updated', phone, previous } : { kind: 'created', phone });
  }

  private emit(c: PhoneChange): void {
    for (const l of this.listeners) l(c);
  }

  private apply(p: Phone, f: CheckedInput, now: number): Phone {
    if (f.vendor !== undefined) p.vendor = f.vendor;
    if (f.model !== undefined) p.model = f.model;
    if (f.label !== undefined) p.label = f.label;
    if (f.httpUser !== undefined) p.httpUser = f.httpUser;
    if (f.httpPassword !== undefined) p.httpPassword = f.httpPassword;
    if (p.httpUser !== '' && p.httpPassword === '')
      throw new ValidationError('httpPassword', 'give an HTTP password with the HTTP user name');
    if (p.httpUser === '' && p.httpPassword !== '')
      throw new ValidationError('httpUser', 'give an HTTP user name with the HTTP password');
    if (f.lines !== undefined) {
      const changed = JSON.stringify(f.lines) !== JSON.stringify(p.lines);
      p.lines = f.lines;
      p.state = f.lines.length > 0 ? 'assigned' : 'discovered';
      // A new assignment opens the window in which the phone may fetch its passwords without credentials.
      if (changed && f.lines.length > 0) p.provisionUntil = now + this.o.windowMinutes * 60_000;
    }
    // true opens the window again (as after a factory reset); false closes it at once.
    if (f.reprovision === true) p.provisionUntil = now + this.o.windowMinutes * 60_000;
    if (f.reprovision === false) p.provisionUntil = null;
    p.updatedAt = now;
    return p;
  }

  private check(input: PhoneInput, creating: boolean): CheckedInput {
    for (const k of Object.keys(input))
      if (!INPUT_FIELDS.has(k)) throw new ValidationError(k, `unknown field "${k}"`);
    const out: CheckedInput = {};
    if (input.mac !== undefined || creating) {
      if (typeof input.mac !== 'string' || input.mac.trim() === '')
        throw new ValidationError('mac', 'mac is required: the 12 hex digits on the label under the phone');
      const mac = normalizeMac(input.mac);
      if (!mac || mac === ZERO_MAC)
        throw new ValidationError(
          'mac',
          `"${input.mac.slice(0, 40)}" is not a MAC address: 12 hex digits such as 00:15:65:12:34:56`,
        );
      out.mac = mac;
    }
    if (input.vendor !== undefined) {
      if (input.vendor !== '' && !isVendor(input.vendor))
        throw new ValidationError('vendor', `vendor must be one of ${VENDORS.join(', ')}`);
      out.vendor = input.vendor as Vendor | '';
    }
    out.model = text(input.model, 'model', 40);
    out.label = text(input.label, 'label', 80);
    out.httpUser = text(input.httpUser, 'httpUser', 64);
    out.httpPassword = text(input.httpPassword, 'httpPassword', 128);
    if (out.httpUser !== undefined && out.httpUser !== '' && !/^[A-Za-z0-9._@-]+$/.test(out.httpUser))
      throw new ValidationError('httpUser', 'httpUser may hold letters, digits and . _ @ - only');
    if (out.httpPassword !== undefined && out.httpPassword !== '' && out.httpPassword.length < 8)
      throw new ValidationError('httpPassword', 'httpPassword must be 8 characters or more');
    if (input.lines !== undefined && input.extensions !== undefined)
      throw new ValidationError('extensions', 'give either lines or extensions, not both');
    if (input.extensions !== undefined) {
      if (!Array.isArray(input.extensions))
        throw new ValidationError('extensions', 'extensions must be a list such as ["201", "202"]');
      out.lines = this.checkLines(
        input.extensions.map((e, i) => ({ line: i + 1, extension: e })),
        'extensions',
      );
    } else if (input.lines !== undefined) {
      if (!Array.isArray(input.lines))
        throw new ValidationError('lines', 'lines must be a list such as [{"line": 1, "extension": "201"}]');
      out.lines = this.checkLines(input.lines, 'lines');
    }
    if (input.reprovision !== undefined) {
      if (typeof input.reprovision !== 'boolean')
        throw new ValidationError('reprovision', 'reprovision must be true or false');
      out.reprovision = input.reprovision;
    }
    return out;
  }

  private checkLines(list: unknown[], field: string): PhoneLine[] {
    if (list.length > MAX_LINES) throw new ValidationError(field, `a phone has at most ${MAX_LINES} lines`);
    const seen = new Set<number>();
    const lines: PhoneLine[] = [];
    list.forEach((item, i) => {
      const f = field === 'extensions' ? `extensions[${i}]` : `lines[${i}]`;
      const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const line = o.line;
      const extension = o.extension;
      if (typeof line !== 'number' || !Number.isInteger(line) || line < 1 || line > MAX_LINES)
        throw new ValidationError(`${f}.line`, `line must be a whole number from 1 to ${MAX_LINES}`);
      if (seen.has(line)) throw new ValidationError(`${f}.line`, `line ${line} is given twice`);
      seen.add(line);
      if (typeof extension !== 'string' || !this.o.hasExtension(extension))
        throw new ValidationError(
          field === 'extensions' ? f : `${f}.extension`,
          `there is no extension ${typeof extension === 'string' ? extension.slice(0, 20) : String(extension)}`,
        );
      lines.push({ line, extension });
    });
    return lines.sort((a, b) => a.line - b.line);
  }
}

interface CheckedInput {
  mac?: string;
  vendor?: Vendor | '';
  model?: string | undefined;
  label?: string | undefined;
  httpUser?: string | undefined;
  httpPassword?: string | undefined;
  lines?: PhoneLine[];
  reprovision?: boolean;
}

function text(v: unknown, field: string, max: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ValidationError(field, `${field} must be text`);
  if (v.length > max) throw new ValidationError(field, `${field} is longer than ${max} characters`);
  if (/[\u0000-\u001f]/.test(v))
    throw new ValidationError(field, `${field} must not hold control characters`);
  return v.trim();
}

export class PhoneNotFoundError extends Error {
  constructor(readonly mac: string) {
    super(`there is no phone ${mac.slice(0, 40)}`);
    this.name = 'PhoneNotFoundError';
  }
}

/** A phone known only by its MAC: discovered, nothing learnt or assigned yet. */
function newPhone(mac: string, now: number): Phone {
  return {
    mac,
    vendor: '',
    model: '',
    label: '',
    lines: [],
    state: 'discovered',
    httpUser: '',
    httpPassword: '',
    provisionUntil: null,
    lastProvisioned: null,
    lastSeen: null,
    userAgent: '',
    address: '',
    createdAt: now,
    updatedAt: now,
  };
}
