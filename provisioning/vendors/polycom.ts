/**
 * Polycom (Poly) VVX and SoundPoint IP on UC Software: XML master configuration file naming the
 * configuration files to load, then XML `polycomConfig` files whose attributes are the parameters.
 *
 * Checked against:
 * - Polycom "Administrator's Guide, SoundPoint IP / SoundStation IP": the phone asks for `<mac>.cfg` and
 *   falls back to the default master `000000000000.cfg`; `APPLICATION` attributes APP_FILE_PATH,
 *   CONFIG_FILES (comma-separated, files listed first win), MISC_FILES, LOG_FILE_DIRECTORY,
 *   OVERRIDES_DIRECTORY, CONTACTS_DIRECTORY (https://manualsdump.com/en/manuals/polycom-1725-11530-200_rev_a1/213821/22).
 * - Poly community FAQ "What files does my phone download or upload and why": `<mac>-phone.cfg`,
 *   `<mac>-web.cfg` overrides and `<mac>-app.log`/`-boot.log` uploaded by the phone, `-directory.xml`,
 *   `-license.cfg` (https://community.poly.com/t5/VoIP-SIP-Phones/FAQ-What-files-does-my-phone-download-or-upload-and-why/td-p/30582).
 * - sipXecs wiki on the master file and the `[PHONE_MAC_ADDRESS]` variable in CONFIG_FILES
 *   (https://wiki.ezuce.com/plugins/viewsource/viewpagesrc.action?pageId=35685215).
 * Keys: reg.N.address/label/displayName/auth.userId/auth.password/server.1.address/port/transport
 * (UDPOnly, TCPOnly), msg.mwi.N.subscribe/callBackMode/callBack, tcpIpApp.sntp.address/gmtOffset (seconds).
 * DHCP option 160 (or 66) names the server. check-sync NOTIFY re-provisions.
 */
import { ZERO_MAC } from '../mac-address.js';
import type { FileMatch, LineAccount, ProvisioningContext, VendorTemplate } from './vendor-template.js';
import { xmlEscape } from './vendor-template.js';

const COMMON = 'officepbx-polycom.cfg';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

function master(perPhone: string): string {
  return [
    XML_HEAD,
    '<!-- OfficePBX master configuration file: files listed first take precedence -->',
    `<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="${perPhone}, ${COMMON}" MISC_FILES="" ` +
      'LOG_FILE_DIRECTORY="" OVERRIDES_DIRECTORY="" CONTACTS_DIRECTORY="" LICENSE_DIRECTORY=""/>',
    '',
  ].join('\n');
}

export const polycom: VendorTemplate = {
  vendor: 'polycom',
  sources: [
    'Polycom Administrator Guide SoundPoint IP/SoundStation IP (master configuration files)',
    'Poly community FAQ: What files does my phone download or upload and why',
  ],
  ouis: ['0004f2', '64167f', '482567'],

  match(name: string): FileMatch | null {
    if (name === `${ZERO_MAC}.cfg`) return { kind: 'common' };
    if (name === COMMON) return { kind: 'common' };
    let m = /^([0-9a-f]{12})\.cfg$/.exec(name);
    if (m) return { kind: 'phone', mac: m[1]!, part: 'master' };
    m = /^([0-9a-f]{12})-officepbx\.cfg$/.exec(name);
    if (m) return { kind: 'phone', mac: m[1]! };
    m = /^([0-9a-f]{12})-(phone|web)\.cfg$/.exec(name) ?? /^([0-9a-f]{12})-(app|boot)\.log$/.exec(name);
    if (m) return { kind: 'upload', mac: m[1]! };
    m = /^([0-9a-f]{12})-(directory\.xml|license\.cfg)$/.exec(name);
    if (m) return m[1] === ZERO_MAC ? { kind: 'empty' } : { kind: 'empty', mac: m[1]! };
    return null;
  },

  contentType: () => 'application/xml',

  phoneFile(ctx: ProvisioningContext, mac: string, accounts: readonly LineAccount[], part?: string): string {
    if (part === 'master') return master(`${mac}-officepbx.cfg`);
    const reg: string[] = [];
    const mwi: string[] = [];
    for (const a of accounts) {
      const k = `reg.${a.line}`;
      reg.push(
        `${k}.address="${xmlEscape(a.extension)}"`,
        `${k}.label="${xmlEscape(a.extension)}"`,
        `${k}.displayName="${xmlEscape(a.displayName)}"`,
        `${k}.auth.userId="${xmlEscape(a.authUser)}"`,
      );
      if (a.password !== undefined) reg.push(`${k}.auth.password="${xmlEscape(a.password)}"`);
      reg.push(
        `${k}.server.1.address="${xmlEscape(ctx.server)}"`,
        `${k}.server.1.port="${ctx.sipPort}"`,
        `${k}.server.1.transport="${ctx.transport === 'tcp' ? 'TCPOnly' : 'UDPOnly'}"`,
      );
      mwi.push(
        `msg.mwi.${a.line}.subscribe="${xmlEscape(a.extension)}"`,
        `msg.mwi.${a.line}.callBackMode="contact"`,
        `msg.mwi.${a.line}.callBack="${xmlEscape(ctx.voicemailNumber)}"`,
      );
    }
    const out = [XML_HEAD, `<!-- OfficePBX: phone ${mac} -->`, '<polycomConfig>'];
    if (reg.length) out.push(`  <reg ${reg.join(' ')}/>`);
    if (mwi.length) out.push(`  <msg ${mwi.join(' ')}/>`);
    out.push('</polycomConfig>', '');
    return out.join('\n');
  },

  commonFile(ctx: ProvisioningContext, name: string): string {
    if (name === `${ZERO_MAC}.cfg`) return master('[PHONE_MAC_ADDRESS]-officepbx.cfg');
    return [
      XML_HEAD,
      '<!-- OfficePBX: settings for every Polycom phone -->',
      '<polycomConfig>',
      `  <tcpIpApp tcpIpApp.sntp.address="${xmlEscape(ctx.ntpServer)}" tcpIpApp.sntp.gmtOffset="${ctx.utcOffsetMinutes * 60}"/>`,
      '  <voIpProt voIpProt.SIP.specialEvent.checkSync.alwaysReboot="0"/>',
      '</polycomConfig>',
      '',
    ].join('\n');
  },

  emptyFile: (name) =>
    name.endsWith('directory.xml')
      ? '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<directory><item_list/></directory>\n'
      : `${XML_HEAD}\n<polycomConfig/>\n`,

  parseUserAgent(ua: string) {
    // "FileTransport PolycomVVX-VVX_411-UA/5.9.0.9373", "PolycomSoundPointIP-SPIP_650-UA/4.0.1"
    const m = /polycom[a-z]*-([a-z]+)_(\d+)-ua/i.exec(ua);
    if (!m) return /polycom/i.test(ua) ? { model: '' } : null;
    return { model: `${m[1]!.toUpperCase()} ${m[2]}` };
  },

  pnpUrl: (ctx) => ctx.provUrl,
  resyncEvent: 'check-sync',
};
