/**
 * Yealink SIP-T2/T4/T5 series (and W-series bases): INI-like `.cfg` files, first line `#!version:1.0.0.1`.
 *
 * Checked against:
 * - Yealink "Administrator's Guide for SIP-T2 Series/T19(P) E2/T4 Series/T5 Series IP Phones": common CFG
 *   `y0000000000XX.cfg` (XX = model code), MAC-Oriented `<mac>.cfg` (lower case), MAC-local `<mac>-local.cfg`
 *   uploaded by the phone; boot files `y000000000000.boot` / `<mac>.boot` (firmware 81+) with
 *   `include:config "<url>"` lines (https://www.easymanua.ls/yealink/sip-t2-series/manual?p=150,
 *   https://www.easymanua.ls/yealink/t40g/manual/289184?p=78).
 * - Yealink "Auto Provisioning Guide" (V81): PnP, DHCP options 66/43, `account.X.*` keys
 *   (https://fdocuments.in/document/auto-provision-manual-version-3011pdf.html).
 * Keys: account.N.enable/label/display_name/auth_name/user_name/password, account.N.sip_server.1.address/
 * port/transport_type (0 UDP, 1 TCP), account.N.subscribe_mwi(_to_vm), voice_mail.number.N,
 * local_time.time_zone/ntp_server1, static.auto_provision.server.url. check-sync NOTIFY re-provisions.
 */
import { ZERO_MAC } from '../mac-address.js';
import type { FileMatch, LineAccount, ProvisioningContext, VendorTemplate } from './vendor-template.js';
import { iniValue } from './vendor-template.js';

const HEADER = '#!version:1.0.0.1';

/** Model codes in `y0000000000XX.cfg` (from the administrator's guides); a hint, the User-Agent is exact. */
const MODEL_CODES: Readonly<Record<string, string>> = {
  '28': 'T46G',
  '29': 'T42G',
  '35': 'T48G',
  '36': 'T41P',
  '65': 'T48S',
  '66': 'T46S',
  '67': 'T42S',
  '68': 'T41S',
  '70': 'T54S',
  '74': 'T52S',
  '96': 'T5xW',
  '108': 'T4xU',
};

function timeZone(minutes: number): string {
  const h = Math.trunc(minutes / 60);
  const m = Math.abs(minutes % 60);
  return `${minutes < 0 ? '-' : '+'}${Math.abs(h)}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

export const yealink: VendorTemplate = {
  vendor: 'yealink',
  sources: [
    'Yealink Administrator Guide SIP-T2/T4/T5 (common and MAC-oriented CFG files, boot files)',
    'Yealink Auto Provisioning Guide V81',
  ],
  ouis: ['001565', '805ec0', '805e0c', '249ad8', '44dbd2', 'c4fc22'],

  match(name: string): FileMatch | null {
    let m = /^y0{12}\.boot$/.exec(name);
    if (m) return { kind: 'common' };
    m = /^y0{10}(\d{2,3})\.cfg$/.exec(name) ?? /^y0{9}(\d{3})\.cfg$/.exec(name);
    if (m) return { kind: 'common', model: MODEL_CODES[String(Number(m[1]))] ?? `code ${Number(m[1])}` };
    if (name === `y${ZERO_MAC}.cfg`) return { kind: 'common' };
    m = /^([0-9a-f]{12})\.boot$/.exec(name);
    if (m) return { kind: 'phone', mac: m[1]!, part: 'boot' };
    m = /^([0-9a-f]{12})\.cfg$/.exec(name);
    if (m && m[1] !== ZERO_MAC) return { kind: 'phone', mac: m[1]! };
    m = /^([0-9a-f]{12})-(local|all)\.cfg$/.exec(name);
    if (m) return { kind: 'upload', mac: m[1]! };
    m = /^([0-9a-f]{12})-contact\.xml$/.exec(name);
    if (m) return { kind: 'empty', mac: m[1]! };
    return null;
  },

  contentType: (name) => (name.endsWith('.xml') ? 'application/xml' : 'text/plain; charset=utf-8'),

  phoneFile(ctx: ProvisioningContext, mac: string, accounts: readonly LineAccount[], part?: string): string {
    if (part === 'boot') {
      // Firmware 81+: the boot file names the files to load, in order; later files override earlier ones.
      return [
        HEADER,
        `include:config "${ctx.provUrl}y000000000000.cfg"`,
        `include:config "${ctx.provUrl}${mac}.cfg"`,
        '',
      ].join('\n');
    }
    const lines = [HEADER, `# OfficePBX: phone ${mac}`];
    for (const a of accounts) {
      const k = `account.${a.line}`;
      lines.push(
        `${k}.enable = 1`,
        `${k}.label = ${iniValue(a.extension)}`,
        `${k}.display_name = ${iniValue(a.displayName)}`,
        `${k}.auth_name = ${iniValue(a.authUser)}`,
        `${k}.user_name = ${iniValue(a.extension)}`,
      );
      if (a.password !== undefined) lines.push(`${k}.password = ${iniValue(a.password)}`);
      lines.push(
        `${k}.sip_server.1.address = ${ctx.server}`,
        `${k}.sip_server.1.port = ${ctx.sipPort}`,
        `${k}.sip_server.1.transport_type = ${ctx.transport === 'tcp' ? 1 : 0}`,
        `${k}.subscribe_mwi = 1`,
        `${k}.subscribe_mwi_to_vm = 1`,
        `voice_mail.number.${a.line} = ${iniValue(ctx.voicemailNumber)}`,
      );
    }
    return lines.join('\n') + '\n';
  },

  commonFile(ctx: ProvisioningContext, name: string): string {
    if (name.endsWith('.boot')) {
      return [HEADER, `include:config "${ctx.provUrl}y000000000000.cfg"`, ''].join('\n');
    }
    return (
      [
        HEADER,
        '# OfficePBX: settings for every Yealink phone',
        `static.auto_provision.server.url = ${ctx.provUrl}`,
        'static.auto_provision.pnp_enable = 1',
        `local_time.time_zone = ${timeZone(ctx.utcOffsetMinutes)}`,
        'local_time.summer_time = 2',
        `local_time.ntp_server1 = ${ctx.ntpServer}`,
        // Accept check-sync NOTIFYs from the PBX without a reboot.
        'sip.notify_reboot_enable = 0',
      ].join('\n') + '\n'
    );
  },

  emptyFile: (name) =>
    name.endsWith('.xml') ? '<?xml version="1.0" encoding="UTF-8"?>\n<YealinkIPPhoneBook/>\n' : `${HEADER}\n`,

  parseUserAgent(ua: string) {
    // "Yealink SIP-T46U 108.86.0.20 00:15:65:aa:bb:cc"
    const m =
      /yealink\s+(?:sip[-\s]?)?([a-z0-9]+)(?:\s+[\d.]+)?(?:\s+([0-9a-f]{2}(?::[0-9a-f]{2}){5}))?/i.exec(ua);
    if (!m) return null;
    const out: { model: string; mac?: string } = { model: m[1]!.toUpperCase() };
    if (m[2]) out.mac = m[2].replace(/:/g, '').toLowerCase();
    return out;
  },

  pnpUrl: (ctx) => ctx.provUrl,
  resyncEvent: 'check-sync;reboot=false',
};
