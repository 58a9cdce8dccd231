/**
 * Every vendor's files parse as their format (Yealink's INI-like `.cfg`, XML for the others, checked by a
 * strict well-formedness parser) and carry the right account values; the full files are compared with
 * golden copies in test/provisioning/golden (PBX_UPDATE_GOLDEN=1 rewrites them after a deliberate change).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  TEMPLATES,
  templateFor,
  type LineAccount,
  type ProvisioningContext,
} from '../../provisioning/vendors/index.js';
import { parseUserAgent, vendorByOui } from '../../provisioning/vendors/index.js';
import { normalizeMac } from '../../provisioning/mac-address.js';
import { standardOffsetMinutes } from '../../provisioning/time-zone.js';
import { repoRoot } from '../support/paths.js';
import { findAll, parseXml, type XmlElement } from '../support/xml-check.js';

const ctx: ProvisioningContext = {
  server: '192.0.2.10',
  sipPort: 5060,
  transport: 'udp',
  provUrl: 'http://192.0.2.10:8090/',
  timeZone: 'Europe/Berlin',
  utcOffsetMinutes: 60,
  voicemailNumber: '*97',
  ntpServer: 'pool.ntp.org',
};
const accounts: LineAccount[] = [
  { line: 1, extension: '201', displayName: 'Anna <&> Müller', authUser: '201', password: 's3cr"et<1>&' },
  { line: 2, extension: '202', displayName: 'Front desk', authUser: '202', password: 'pw-two-2' },
];
const withheld = accounts.map((a) => ({ ...a, password: undefined }));
const MAC = '001565aabbcc';
const goldenDir = path.join(repoRoot, 'test', 'provisioning', 'golden');

function golden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env.PBX_UPDATE_GOLDEN === '1') {
    fs.mkdirSync(goldenDir, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} differs from its golden copy`);
}

/** Yealink's format: `#!version:1.0.0.1` first, then comments, include lines and unique `key = value`. */
function parseYealink(text: string): Map<string, string> {
  const lines = text.split('\n');
  assert.equal(lines[0], '#!version:1.0.0.1');
  const out = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '' || line.startsWith('#') || /^include:config "[^"]+"$/.test(line)) continue;
    const m = /^([A-Za-z0-9_.]+) = (.*)$/.exec(line);
    assert.ok(m, `not a key = value line: ${line}`);
    assert.equal(out.has(m[1]!), false, `${m[1]} twice`);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

const text = (root: XmlElement, name: string, idx?: number): string | undefined =>
  findAll(root, name).find((e) => idx === undefined || e.attrs.get('idx') === String(idx))?.text;

describe('vendor templates', () => {
  it('Yealink: <mac>.cfg carries every line, boot file includes common and MAC files', () => {
    const t = templateFor('yealink');
    const body = t.phoneFile(ctx, MAC, accounts);
    golden('yealink-001565aabbcc.cfg', body);
    const kv = parseYealink(body);
    assert.equal(kv.get('account.1.user_name'), '201');
    assert.equal(kv.get('account.1.auth_name'), '201');
    assert.equal(kv.get('account.1.password'), 's3cr"et<1>&');
    assert.equal(kv.get('account.1.display_name'), 'Anna <&> Müller');
    assert.equal(kv.get('account.1.sip_server.1.address'), '192.0.2.10');
    assert.equal(kv.get('account.1.sip_server.1.port'), '5060');
    assert.equal(kv.get('account.1.sip_server.1.transport_type'), '0');
    assert.equal(kv.get('account.2.user_name'), '202');
    assert.equal(kv.get('account.2.password'), 'pw-two-2');
    assert.equal(kv.get('account.1.subscribe_mwi'), '1');
    assert.equal(kv.get('voice_mail.number.1'), '*97');
    assert.equal(parseYealink(t.phoneFile(ctx, MAC, withheld)).has('account.1.password'), false);
    const common = parseYealink(t.commonFile(ctx, 'y000000000108.cfg'));
    assert.equal(common.get('local_time.time_zone'), '+1');
    golden('yealink-y000000000000.cfg', t.commonFile(ctx, 'y000000000000.cfg'));
    const boot = t.phoneFile(ctx, MAC, [], 'boot');
    parseYealink(boot);
    assert.match(boot, /include:config "http:\/\/192\.0\.2\.10:8090\/001565aabbcc\.cfg"/);
    // A line break in a name cannot smuggle in another key.
    const evil = parseYealink(
      t.phoneFile(ctx, MAC, [{ ...accounts[0]!, displayName: 'x\naccount.1.password = 0' }]),
    );
    assert.equal(evil.get('account.1.password'), 's3cr"et<1>&');
  });

  it('Polycom: master file lists the per-phone file first; reg.N attributes per line', () => {
    const t = templateFor('polycom');
    const master = parseXml(t.phoneFile(ctx, MAC, [], 'master'));
    assert.equal(master.name, 'APPLICATION');
    assert.match(master.attrs.get('CONFIG_FILES')!, /^001565aabbcc-officepbx\.cfg, officepbx-polycom\.cfg$/);
    assert.match(
      parseXml(t.commonFile(ctx, '000000000000.cfg')).attrs.get('CONFIG_FILES')!,
      /\[PHONE_MAC_ADDRESS\]/,
    );
    const body = t.phoneFile(ctx, MAC, accounts);
    golden('polycom-001565aabbcc-officepbx.cfg', body);
    const reg = findAll(parseXml(body), 'reg')[0]!;
    assert.equal(reg.attrs.get('reg.1.address'), '201');
    assert.equal(reg.attrs.get('reg.1.auth.userId'), '201');
    assert.equal(reg.attrs.get('reg.1.auth.password'), 's3cr"et<1>&');
    assert.equal(reg.attrs.get('reg.1.displayName'), 'Anna <&> Müller');
    assert.equal(reg.attrs.get('reg.1.server.1.address'), '192.0.2.10');
    assert.equal(reg.attrs.get('reg.1.server.1.transport'), 'UDPOnly');
    assert.equal(reg.attrs.get('reg.2.address'), '202');
    const msg = findAll(parseXml(body), 'msg')[0]!;
    assert.equal(msg.attrs.get('msg.mwi.1.callBack'), '*97');
    assert.equal(
      findAll(parseXml(t.phoneFile(ctx, MAC, withheld)), 'reg')[0]!.attrs.has('reg.1.auth.password'),
      false,
    );
    const common = findAll(parseXml(t.commonFile(ctx, 'officepbx-polycom.cfg')), 'tcpIpApp')[0]!;
    assert.equal(common.attrs.get('tcpIpApp.sntp.gmtOffset'), '3600');
    parseXml(t.emptyFile('001565aabbcc-directory.xml'));
  });

  it('Grandstream: cfg<mac>.xml with P-values for line 1 and P4xx for line 2', () => {
    const t = templateFor('grandstream');
    const body = t.phoneFile(ctx, '000b82aabbcc', accounts);
    golden('grandstream-cfg000b82aabbcc.xml', body);
    const root = parseXml(body);
    assert.equal(root.name, 'gs_provision');
    assert.equal(text(root, 'mac'), '000b82aabbcc');
    assert.equal(text(root, 'P47'), '192.0.2.10:5060');
    assert.equal(text(root, 'P35'), '201');
    assert.equal(text(root, 'P36'), '201');
    assert.equal(text(root, 'P34'), 's3cr"et<1>&');
    assert.equal(text(root, 'P3'), 'Anna <&> Müller');
    assert.equal(text(root, 'P33'), '*97');
    assert.equal(text(root, 'P402'), '192.0.2.10:5060');
    assert.equal(text(root, 'P404'), '202');
    assert.equal(text(root, 'P406'), 'pw-two-2');
    assert.equal(text(root, 'P246'), 'UTC-1');
    assert.equal(text(parseXml(t.phoneFile(ctx, '000b82aabbcc', withheld)), 'P34'), undefined);
    parseXml(t.commonFile(ctx, 'cfg.xml'));
    assert.equal(t.match('cfg000b82aabbcc'), null); // the legacy binary name: "not found" sends the phone on to .xml
  });

  it('Snom: settings XML with idx per line and setting_server with {mac}', () => {
    const t = templateFor('snom');
    const body = t.phoneFile(ctx, '000413aabbcc', accounts);
    golden('snom-000413aabbcc.xml', body);
    const root = parseXml(body);
    assert.equal(root.name, 'settings');
    assert.equal(text(root, 'user_name', 1), '201');
    assert.equal(text(root, 'user_pname', 1), '201');
    assert.equal(text(root, 'user_pass', 1), 's3cr"et<1>&');
    assert.equal(text(root, 'user_realname', 1), 'Anna <&> Müller');
    assert.equal(text(root, 'user_host', 1), '192.0.2.10:5060');
    assert.equal(text(root, 'user_mailbox', 1), '*97');
    assert.equal(text(root, 'user_name', 2), '202');
    assert.equal(text(root, 'setting_server'), 'http://192.0.2.10:8090/snom-{mac}.xml');
    assert.equal(text(root, 'utc_offset'), '3600');
    assert.equal(text(parseXml(t.phoneFile(ctx, '000413aabbcc', withheld)), 'user_pass', 1), undefined);
    parseXml(t.commonFile(ctx, 'snomd785.htm'));
  });

  it('Cisco SPA/MPP: flat-profile with _N_ parameters and Profile_Rule to spa$MA.xml', () => {
    const t = templateFor('cisco');
    const body = t.phoneFile(ctx, '00562b043615', accounts);
    golden('cisco-spa00562b043615.xml', body);
    const root = parseXml(body);
    assert.equal(root.name, 'flat-profile');
    assert.equal(text(root, 'Proxy_1_'), '192.0.2.10:5060');
    assert.equal(text(root, 'User_ID_1_'), '201');
    assert.equal(text(root, 'Auth_ID_1_'), '201');
    assert.equal(text(root, 'Password_1_'), 's3cr"et<1>&');
    assert.equal(text(root, 'Display_Name_1_'), 'Anna <&> Müller');
    assert.equal(text(root, 'User_ID_2_'), '202');
    assert.equal(text(root, 'Password_2_'), 'pw-two-2');
    assert.equal(text(root, 'Voice_Mail_Number'), '*97');
    assert.equal(text(root, 'Time_Zone'), 'GMT+01:00');
    assert.equal(text(root, 'Profile_Rule'), 'http://192.0.2.10:8090/spa$MA.xml');
    assert.equal(text(parseXml(t.phoneFile(ctx, '00562b043615', withheld)), 'Password_1_'), undefined);
  });

  it('every vendor: empty and common files are valid, file names are recognised', () => {
    for (const t of TEMPLATES) {
      const empty = t.emptyFile('x.xml');
      if (t.vendor === 'yealink') parseYealink(t.emptyFile('x.cfg'));
      else parseXml(empty);
      const unassigned = t.phoneFile(ctx, MAC, []);
      if (t.vendor === 'yealink') assert.equal(parseYealink(unassigned).size, 0);
      else parseXml(unassigned);
    }
    const cases: [string, string, string][] = [
      ['yealink', 'y000000000108.cfg', 'common'],
      ['yealink', 'y000000000000.boot', 'common'],
      ['yealink', '001565aabbcc.boot', 'phone'],
      ['yealink', '001565aabbcc-local.cfg', 'upload'],
      ['polycom', '000000000000.cfg', 'common'],
      ['polycom', '0004f2aabbcc-app.log', 'upload'],
      ['grandstream', 'cfggxp2170.xml', 'common'],
      ['snom', 'snomd785.htm', 'common'],
      ['snom', 'snom320-000413aabbcc.htm', 'phone'],
      ['cisco', 'spa504g.cfg', 'common'],
      ['cisco', 'spa00562b043615.xml', 'phone'],
    ];
    for (const [vendor, name, kind] of cases)
      assert.equal(templateFor(vendor as never).match(name)?.kind, kind, name);
  });

  it('User-Agents, OUIs, MAC spellings and time zones', () => {
    assert.deepEqual(parseUserAgent('Yealink SIP-T46U 108.86.0.20 00:15:65:aa:bb:cc'), {
      vendor: 'yealink',
      model: 'T46U',
      mac: '001565aabbcc',
    });
    assert.deepEqual(parseUserAgent('FileTransport PolycomVVX-VVX_411-UA/5.9.0.9373'), {
      vendor: 'polycom',
      model: 'VVX 411',
    });
    assert.deepEqual(parseUserAgent('Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b82aabbcc'), {
      vendor: 'grandstream',
      model: 'GXP2170',
      mac: '000b82aabbcc',
    });
    assert.equal(parseUserAgent('Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33)')?.model, 'D785');
    assert.deepEqual(parseUserAgent('Cisco-CP-8841-3PCC/11.3.1 (00562b043615)'), {
      vendor: 'cisco',
      model: 'CP-8841-3PCC',
      mac: '00562b043615',
    });
    assert.equal(parseUserAgent('curl/7.88.1'), null);
    assert.equal(vendorByOui('0004f2123456'), 'polycom');
    assert.equal(vendorByOui('001565123456'), 'yealink');
    for (const m of ['00:15:65:AA:BB:CC', '00-15-65-aa-bb-cc', '0015.65aa.bbcc', '001565AABBCC'])
      assert.equal(normalizeMac(m), '001565aabbcc', m);
    assert.equal(normalizeMac('00:15:65:AA:BB'), null);
    assert.equal(normalizeMac('zz1565aabbcc'), null);
    assert.equal(standardOffsetMinutes('Europe/Berlin'), 60);
    assert.equal(standardOffsetMinutes('America/New_York'), -300);
    assert.equal(standardOffsetMinutes('Asia/Kolkata'), 330);
  });
});
