/**
 * Cisco SPA 3xx/5xx and IP Phone 6800/7800/8800 multiplatform (MPP, "3PCC") firmware: an XML
 * `<flat-profile>` whose elements are the web page's parameter names with spaces as `_` and `_N_` for line N.
 *
 * Checked against:
 * - Wazo's maintained templates (wazo-platform/wazo-provd-plugins plugins/xivo-cisco-spa/common/templates/base.tpl):
 *   Line_Enable_N_, Proxy_N_, User_ID_N_, Auth_ID_N_, Use_Auth_ID_N_, Password_N_, Display_Name_N_,
 *   SIP_Transport_N_, Voice_Mail_Number, Station_Name, Profile_Rule.
 * - The Cisco SPA provisioning guide's Profile_Rule macros (`$MA` = MAC, `$PSN` = product name, default
 *   `/spa$PSN.cfg`) and `Resync_From_SIP` (re-provision on NOTIFY `Event: resync`).
 * The common file (`spa<model>.cfg`/`.xml`, asked first through DHCP option 66/150) points Profile_Rule at
 * this server's per-phone `spa$MA.xml`.
 */
import { offsetHhmm, xmlEscape } from './vendor-template.js';
import type { FileMatch, LineAccount, ProvisioningContext, VendorTemplate } from './vendor-template.js';

function flat(params: readonly [string, string][], comment: string): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<!-- ${comment} -->`, '<flat-profile>'];
  for (const [k, v] of params) out.push(`  <${k}>${xmlEscape(v)}</${k}>`);
  out.push('</flat-profile>', '');
  return out.join('\n');
}

function common(ctx: ProvisioningContext): [string, string][] {
  return [
    ['Provision_Enable', 'Yes'],
    ['Resync_On_Reset', 'Yes'],
    ['Resync_Periodic', '3600'],
    ['Resync_From_SIP', 'Yes'],
    ['Profile_Rule', `${ctx.provUrl}spa$MA.xml`],
    ['Primary_NTP_Server', ctx.ntpServer],
    ['Time_Zone', `GMT${offsetHhmm(ctx.utcOffsetMinutes)}`],
    ['Voice_Mail_Number', ctx.voicemailNumber],
  ];
}

export const cisco: VendorTemplate = {
  vendor: 'cisco',
  sources: [
    'wazo-platform/wazo-provd-plugins xivo-cisco-spa base.tpl',
    'Cisco SPA provisioning guide (Profile_Rule macros)',
  ],
  ouis: ['000e08', '001d45', '0021a0', '00562b', '3c0e23', 'f87b20', 'e8edf3'],

  match(name: string): FileMatch | null {
    let m = /^spa([0-9a-f]{12})\.(xml|cfg)$/.exec(name);
    if (m) return { kind: 'phone', mac: m[1]! };
    m = /^spa([a-z0-9]{3,8})\.(cfg|xml)$/.exec(name);
    if (m) return { kind: 'common', model: `SPA${m[1]!.toUpperCase()}` };
    m = /^(cp-\d{4}[a-z]?(?:-3pcc)?)\.xml$/.exec(name);
    if (m) return { kind: 'common', model: m[1]!.toUpperCase() };
    return null;
  },

  contentType: () => 'application/xml',

  phoneFile(ctx: ProvisioningContext, mac: string, accounts: readonly LineAccount[]): string {
    const p = common(ctx);
    const first = accounts[0];
    if (first) p.push(['Station_Name', first.displayName]);
    for (const a of accounts) {
      const n = `_${a.line}_`;
      p.push(
        [`Line_Enable${n}`, 'Yes'],
        [`Proxy${n}`, `${ctx.server}:${ctx.sipPort}`],
        [`SIP_Transport${n}`, ctx.transport.toUpperCase()],
        [`Display_Name${n}`, a.displayName],
        [`User_ID${n}`, a.extension],
        [`Use_Auth_ID${n}`, 'Yes'],
        [`Auth_ID${n}`, a.authUser],
      );
      if (a.password !== undefined) p.push([`Password${n}`, a.password]);
      p.push([`Mailbox_ID${n}`, a.extension]);
    }
    return flat(p, `OfficePBX: phone ${mac}`);
  },

  commonFile: (ctx) => flat(common(ctx), 'OfficePBX: settings for every Cisco SPA/MPP phone'),

  emptyFile: () => flat([], 'OfficePBX: nothing for this file'),

  parseUserAgent(ua: string) {
    // "Cisco/SPA504G-7.6.2b (0011223344aa)(CCQ…)", "Cisco-CP-8841-3PCC/11.3.1 (00562b043615)"
    const m = /cisco[/-](spa\d+[a-z]*|cp-\d{4}[a-z]?(?:-3pcc)?)[^(]*(?:\(([0-9a-f]{12})\))?/i.exec(ua);
    if (!m) return null;
    const out: { model: string; mac?: string } = { model: m[1]!.toUpperCase() };
    if (m[2]) out.mac = m[2].toLowerCase();
    return out;
  },

  pnpUrl: (ctx, mac) => (mac ? `${ctx.provUrl}spa${mac}.xml` : ctx.provUrl),
  resyncEvent: 'resync',
};
