import type { Vendor } from '../phone.js';

/** Server-wide values every template writes: where the PBX is, and office settings. */
export interface ProvisioningContext {
  /** The address phones use (`--advertise`). */
  server: string;
  sipPort: number;
  transport: 'udp' | 'tcp';
  /** Base URL of the HTTP provisioning server, ending in `/`. */
  provUrl: string;
  /** IANA time zone of the office, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** Standard (winter) offset from UTC of `timeZone`, minutes east of Greenwich. */
  utcOffsetMinutes: number;
  /** Number a phone dials for its voicemail (the message-waiting key). */
  voicemailNumber: string;
  /** NTP server for the phones' clocks. */
  ntpServer: string;
}

/** One account as a template writes it. `password` is undefined when secrets are withheld. */
export interface LineAccount {
  line: number;
  extension: string;
  displayName: string;
  authUser: string;
  password: string | undefined;
}

/**
 * What a requested file name is for one vendor:
 * - `phone`: this MAC's own file (accounts), `part` tells a vendor's several per-phone files apart;
 * - `common`: the file every phone of the family (or of `model`) reads;
 * - `empty`: a file the phone asks for that we have nothing for but must not fail (answered valid and empty);
 * - `upload`: a file the phone writes (logs, local settings) and may read back.
 */
export type FileMatch =
  | { kind: 'phone'; mac: string; model?: string; part?: string }
  | { kind: 'common'; model?: string; mac?: string }
  | { kind: 'empty'; mac?: string }
  | { kind: 'upload'; mac?: string };

export interface VendorTemplate {
  readonly vendor: Vendor;
  /** Where each key was checked: vendor manuals and maintained templates (see each file's header). */
  readonly sources: readonly string[];
  /** IEEE OUIs (first 6 hex digits of the MAC) of this vendor's phones: tells `<mac>.cfg` askers apart. */
  readonly ouis: readonly string[];
  /** Recognises a file name (already lower-cased, no directory) as this vendor's. */
  match(name: string): FileMatch | null;
  contentType(name: string): string;
  phoneFile(ctx: ProvisioningContext, mac: string, accounts: readonly LineAccount[], part?: string): string;
  commonFile(ctx: ProvisioningContext, name: string): string;
  emptyFile(name: string): string;
  /** Vendor and model from a User-Agent (HTTP or SIP); null when not this vendor's. */
  parseUserAgent(ua: string): { model: string; mac?: string } | null;
  /** The URL a SIP PnP NOTIFY gives this vendor's phone (its provisioning server or file). */
  pnpUrl(ctx: ProvisioningContext, mac: string | undefined, model: string): string;
  /** `Event` of the NOTIFY that makes a registered phone fetch its file again; undefined = not supported. */
  readonly resyncEvent: string | undefined;
}

/** XML 1.0 text and attribute escaping; control characters XML cannot hold are dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A value for a `key = value` line: one line, nothing that could start another key. */
export function iniValue(s: string): string {
  return s.replace(/[\r\n\u0000]/g, ' ');
}

/** `+01:00` style, from minutes east of UTC. */
export function offsetHhmm(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
