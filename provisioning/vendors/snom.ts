/**
 * Snom D-series and 3xx/7xx phones: XML `<settings><phone-settings>` with indexed (`idx`) account settings.
 *
 * Checked against:
 * - Snom's provisioning behaviour as used by maintained PBX templates: the phone fetches its
 *   `setting_server` URL (in which `{mac}` is replaced by its MAC), and in legacy mode `snom<model>.htm`
 *   then `snom<model>-<MAC>.htm`; FusionPBX's Snom template (https://gist.github.com/danry25/389c88de7c2d5bba241e31fb3aeae4f4)
 *   and fusionpbx-docs `provision_variables_snom.rst` for `<settings><phone-settings e="2">` and `perm=""`.
 * - Snom settings: user_active, user_realname, user_name, user_pname (auth user), user_pass, user_host,
 *   user_outbound (`;transport=tcp`), user_mailbox, user_idle_text (per account `idx`), ntp_server,
 *   utc_offset (seconds), setting_server.
 * Snom phones answer SIP multicast PnP (`Event: ua-profile`) and re-provision on `check-sync;reboot=false`.
 */
import type { FileMatch, LineAccount, ProvisioningContext, VendorTemplate } from './vendor-template.js';
import { xmlEscape } from './vendor-template.js';

function setting(name: string, value: string, idx?: number): string {
  return `    <${name}${idx !== undefined ? ` idx="${idx}"` : ''} perm="">${xmlEscape(value)}</${name}>`;
}

function settings(body: readonly string[], comment: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- ${comment} -->`,
    '<settings>',
    '  <phone-settings e="2">',
    ...body,
    '  </phone-settings>',
    '</settings>',
    '',
  ].join('\n');
}

function common(ctx: ProvisioningContext): string[] {
  return [
    setting('setting_server', `${ctx.provUrl}snom-{mac}.xml`),
    setting('ntp_server', ctx.ntpServer),
    setting('utc_offset', String(ctx.utcOffsetMinutes * 60)),
  ];
}

export const snom: VendorTemplate = {
  vendor: 'snom',
  sources: ['FusionPBX Snom provisioning template and fusionpbx-docs (Snom variables)', 'Snom setting names'],
  ouis: ['000413'],

  match(name: string): FileMatch | null {
    let m = /^snom-([0-9a-f]{12})\.xml$/.exec(name);
    if (m) return { kind: 'phone', mac: m[1]! };
    m = /^snom([a-z]?\d{3,4}[a-z]?)-([0-9a-f]{12})\.htm$/.exec(name);
    if (m) return { kind: 'phone', mac: m[2]!, model: m[1]!.toUpperCase() };
    m = /^snom([a-z]?\d{3,4}[a-z]?)\.(htm|xml)$/.exec(name);
    if (m) return { kind: 'common', model: m[1]!.toUpperCase() };
    return null;
  },

  contentType: () => 'application/xml',

  phoneFile(ctx: ProvisioningContext, mac: string, accounts: readonly LineAccount[]): string {
    const body = common(ctx);
    for (const a of accounts) {
      body.push(
        setting('user_active', 'on', a.line),
        setting('user_realname', a.displayName, a.line),
        setting('user_name', a.extension, a.line),
        setting('user_pname', a.authUser, a.line),
      );
      if (a.password !== undefined) body.push(setting('user_pass', a.password, a.line));
      body.push(setting('user_host', `${ctx.server}:${ctx.sipPort}`, a.line));
      if (ctx.transport === 'tcp')
        body.push(setting('user_outbound', `${ctx.server}:${ctx.sipPort};transport=tcp`, a.line));
      body.push(
        setting('user_mailbox', ctx.voicemailNumber, a.line),
        setting('user_idle_text', a.extension, a.line),
      );
    }
    return settings(body, `OfficePBX: phone ${mac}`);
  },

  commonFile: (ctx) => settings(common(ctx), 'OfficePBX: settings for every Snom phone'),

  emptyFile: () => settings([], 'OfficePBX: nothing for this file'),

  parseUserAgent(ua: string) {
    // "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33)", "snomD785/10.1.33.33"
    const m = /snom([a-z]?\d{3,4}[a-z]?)/i.exec(ua);
    if (!m) return null;
    const mac = /\b(000413[0-9a-f]{6})\b/i.exec(ua);
    const out: { model: string; mac?: string } = { model: m[1]!.toUpperCase() };
    if (mac) out.mac = mac[1]!.toLowerCase();
    return out;
  },

  pnpUrl: (ctx, mac) => `${ctx.provUrl}snom-${mac ?? '{mac}'}.xml`,
  resyncEvent: 'check-sync;reboot=false',
};
