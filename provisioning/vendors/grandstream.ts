/**
 * Grandstream GXP/GRP/DP/GXV phones: XML provisioning (`gs_provision` version 1) of P-value parameters.
 *
 * Checked against:
 * - Grandstream provisioning order: `cfg<mac>` (legacy binary), then `cfg<mac>.xml`, `cfg<model>.xml`,
 *   `cfg.xml` (lower case) — Bruce Walker's gs_tools provisioning notes
 *   (https://github.com/brucemwalker/gs_tools) and FusionPBX's Grandstream README
 *   (fusionpbx/fusionpbx resources/templates/provision/grandstream/custom/AcustomGXP2135/README.txt).
 * - Wazo's maintained templates (wazo-platform/wazo-provd-plugins plugins/wazo-grandstream/common/templates):
 *   account 1 P271 active, P270 account name, P47 SIP server, P35 user ID, P36 auth ID, P34 password,
 *   P3 display name, P33 voicemail; account N ≥ 2 uses P(N+2)01 active, 02 server, 04 user ID, 05 auth ID,
 *   06 password, 07 display name, 17 account name, 26 voicemail.
 * - P130 SIP transport of account 1 (0 UDP, 1 TCP), P64 time zone ("customize") with P246 a POSIX TZ
 *   string, P30 NTP server, P192/P237 config server path, P212 upgrade via (2 = HTTP).
 * The legacy binary `cfg<mac>` is answered "not found" on purpose: that is what makes the phone go on to
 * `cfg<mac>.xml`. check-sync NOTIFY re-provisions (when "Allow SIP NOTIFY" is on, the default).
 */
import type { FileMatch, LineAccount, ProvisioningContext, VendorTemplate } from './vendor-template.js';
import { xmlEscape } from './vendor-template.js';

function gsXml(mac: string | undefined, params: readonly [string, string][], comment: string): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<!-- ${comment} -->`, '<gs_provision version="1">'];
  if (mac) out.push(`  <mac>${mac}</mac>`);
  out.push('  <config version="1">');
  for (const [k, v] of params) out.push(`    <${k}>${xmlEscape(v)}</${k}>`);
  out.push('  </config>', '</gs_provision>', '');
  return out.join('\n');
}

/** POSIX TZ for the standard offset: east of UTC is negative in POSIX (`UTC-1` is one hour east). */
function posixTz(minutes: number): string {
  const m = -minutes;
  const h = Math.trunc(Math.abs(m) / 60);
  const r = Math.abs(m) % 60;
  return `UTC${m < 0 ? '-' : ''}${h}${r ? `:${String(r).padStart(2, '0')}` : ''}`;
}

function serverParams(ctx: ProvisioningContext): [string, string][] {
  return [
    ['P212', '2'],
    ['P237', ctx.provUrl.replace(/^https?:\/\//, '').replace(/\/$/, '')],
    ['P30', ctx.ntpServer],
    ['P64', 'customize'],
    ['P246', posixTz(ctx.utcOffsetMinutes)],
  ];
}

export const grandstream: VendorTemplate = {
  vendor: 'grandstream',
  sources: [
    'gs_tools provisioning notes (brucemwalker/gs_tools)',
    'wazo-platform/wazo-provd-plugins wazo-grandstream templates',
  ],
  ouis: ['000b82', 'c074ad', 'ec74d7'],

  match(name: string): FileMatch | null {
    let m = /^cfg([0-9a-f]{12})\.xml$/.exec(name);
    if (m) return { kind: 'phone', mac: m[1]! };
    if (name === 'cfg.xml') return { kind: 'common' };
    m = /^cfg([a-z]{2,4}\d{3,5}[a-z]?)\.xml$/.exec(name);
    if (m) return { kind: 'common', model: m[1]!.toUpperCase() };
    return null;
  },

  contentType: () => 'application/xml',

  phoneFile(ctx: ProvisioningContext, mac: string, accounts: readonly LineAccount[]): string {
    const server = `${ctx.server}:${ctx.sipPort}`;
    const p: [string, string][] = [...serverParams(ctx)];
    for (const a of accounts) {
      if (a.line === 1) {
        p.push(
          ['P271', '1'],
          ['P270', a.extension],
          ['P47', server],
          ['P35', a.extension],
          ['P36', a.authUser],
        );
        if (a.password !== undefined) p.push(['P34', a.password]);
        p.push(
          ['P3', a.displayName],
          ['P33', ctx.voicemailNumber],
          ['P130', ctx.transport === 'tcp' ? '1' : '0'],
        );
      } else {
        const n = a.line + 2;
        p.push([`P${n}01`, '1'], [`P${n}02`, server], [`P${n}04`, a.extension], [`P${n}05`, a.authUser]);
        if (a.password !== undefined) p.push([`P${n}06`, a.password]);
        p.push([`P${n}07`, a.displayName], [`P${n}17`, a.extension], [`P${n}26`, ctx.voicemailNumber]);
      }
    }
    return gsXml(mac, p, `OfficePBX: phone ${mac}`);
  },

  commonFile: (ctx) => gsXml(undefined, serverParams(ctx), 'OfficePBX: settings for every Grandstream phone'),

  emptyFile: () => gsXml(undefined, [], 'OfficePBX: nothing for this file'),

  parseUserAgent(ua: string) {
    // "Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b82aabbcc", "Grandstream GXP2170 1.0.9.135"
    const m = /grandstream\s+(?:model\s+hw\s+)?([a-z]+\d+[a-z]?)(?:.*devid\s+([0-9a-f]{12}))?/i.exec(ua);
    if (!m) return null;
    const out: { model: string; mac?: string } = { model: m[1]!.toUpperCase() };
    if (m[2]) out.mac = m[2].toLowerCase();
    return out;
  },

  pnpUrl: (ctx) => ctx.provUrl,
  resyncEvent: 'check-sync',
};
