/**
 * Provisioning through the running service: /api/phones, files over TFTP (tftp-hpa, atftp) and HTTP
 * (curl, with digest auth), unknown phones discovered and given only valid empty files, uploads.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { runCommand } from '../support/run-command.js';
import { SipPhone } from '../support/sip-phone.js';

interface PhoneJson {
  mac: string;
  vendor: string;
  model: string;
  state: string;
  lines: { line: number; extension: string }[];
  extensions: string[];
  httpPasswordSet: boolean;
  provisioningWindowOpen: boolean;
  lastProvisioned: string | null;
  lastSeen: string | null;
  requests?: { protocol: string; path: string; outcome: string }[];
}

let pbx: RunningEngine;
let tftpPort: number;
let provPort: number;
let work: string;
let secret201 = '';

async function tftpGet(name: string, extra: string[] = []): Promise<{ text: string; out: string }> {
  const local = path.join(work, `got-${Math.random().toString(36).slice(2)}`);
  const r = await runCommand('tftp', [
    '-m',
    'octet',
    ...extra,
    '127.0.0.1',
    String(tftpPort),
    '-c',
    'get',
    name,
    local,
  ]);
  const text = fs.existsSync(local) ? fs.readFileSync(local, 'utf8') : '';
  return { text, out: r.stdout + r.stderr };
}

async function curl(args: string[]): Promise<{ status: number; body: string; headers: string }> {
  const hdr = path.join(work, `h-${Math.random().toString(36).slice(2)}`);
  const r = await runCommand('curl', ['-sS', '-D', hdr, '-o', '-', '-w', '\n%{http_code}', ...args]);
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n'), headers: fs.existsSync(hdr) ? fs.readFileSync(hdr, 'utf8') : '' };
}

describe('provisioning in the running service', () => {
  before(async () => {
    work = tempDir('prov-work');
    tftpPort = await freePort();
    provPort = await freePort();
    pbx = await startEngine({
      args: ['--tftp-port', String(tftpPort), '--prov-port', String(provPort), '--prov-window', '30'],
    });
    const u = await pbx.api<{ secret: string }>('POST', '/api/users', {
      extension: '201',
      name: 'Anna Smith',
    });
    secret201 = u.body.secret;
    await pbx.api('POST', '/api/users', { extension: '202', name: 'Front desk' });
  });
  after(async () => {
    await pbx.stop();
    cleanup(pbx.dataDir);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('reports the TFTP and HTTP provisioning listeners in /api/health and /api/provisioning', async () => {
    const h = await pbx.api<{ listeners: Record<string, string> }>('GET', '/api/health');
    assert.equal(h.body.listeners.tftp, `127.0.0.1:${tftpPort}`);
    assert.equal(h.body.listeners['prov-http'], `127.0.0.1:${provPort}`);
    const info = await pbx.api<{ provisioningUrl: string; dhcp: Record<string, string> }>(
      'GET',
      '/api/provisioning',
    );
    assert.equal(info.body.provisioningUrl, `http://127.0.0.1:${provPort}/`);
    assert.equal(info.body.dhcp.option66, `http://127.0.0.1:${provPort}/`);
  });

  it('validates phones: errors name the field; MACs in any spelling are one phone', async () => {
    const bad: [unknown, string][] = [
      [{}, 'mac'],
      [{ mac: '00:15:65:AA:BB' }, 'mac'],
      [{ mac: '000000000000' }, 'mac'],
      [{ mac: '001565aabbcc', vendor: 'nokia' }, 'vendor'],
      [{ mac: '001565aabbcc', extensions: ['999'] }, 'extensions[0]'],
      [{ mac: '001565aabbcc', lines: [{ line: 0, extension: '201' }] }, 'lines[0].line'],
      [
        {
          mac: '001565aabbcc',
          lines: [
            { line: 1, extension: '201' },
            { line: 1, extension: '202' },
          ],
        },
        'lines[1].line',
      ],
      [{ mac: '001565aabbcc', httpUser: 'desk1' }, 'httpPassword'],
      [{ mac: '001565aabbcc', colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of bad) {
      const r = await pbx.api<{ field: string; error: string }>('POST', '/api/phones', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.field, field, JSON.stringify(r.body));
    }
    const created = await pbx.api<PhoneJson>('POST', '/api/phones', {
      mac: '00-15-65-AA-BB-CC',
      vendor: 'yealink',
      lines: [
        { line: 1, extension: '201' },
        { line: 2, extension: '202' },
      ],
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.mac, '001565aabbcc');
    assert.equal(created.body.state, 'assigned');
    assert.equal(created.body.provisioningWindowOpen, true);
    const again = await pbx.api<{ field: string }>('POST', '/api/phones', {
      mac: '001565AABBCC',
      extensions: ['201'],
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.field, 'mac');
    const got = await pbx.api<PhoneJson>('GET', '/api/phones/00:15:65:aa:bb:cc');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.extensions, ['201', '202']);
    assert.equal((await pbx.api('GET', '/api/phones/00:15:65:00:00:01')).status, 404);
  });

  it('serves the phone its file over TFTP (with and without blksize) and previews it with passwords masked', async () => {
    const plain = await tftpGet('001565aabbcc.cfg');
    assert.match(plain.text, /^#!version:1\.0\.0\.1\n/);
    assert.match(plain.text, new RegExp(`account\\.1\\.password = ${secret201}`));
    assert.match(plain.text, /account\.2\.user_name = 202/);
    const local = path.join(work, 'blk.cfg');
    const a = await runCommand('atftp', [
      '--option',
      'blksize 1024',
      '--option',
      'tsize 0',
      '-g',
      '-r',
      '001565aabbcc.cfg',
      '-l',
      local,
      '127.0.0.1',
      String(tftpPort),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(fs.readFileSync(local, 'utf8'), plain.text);
    const common = await tftpGet('y000000000108.cfg');
    assert.match(common.text, /^#!version:1\.0\.0\.1\n/);
    assert.doesNotMatch(common.text, /password/);
    const preview = await pbx.api<{ name: string; body: string }>('GET', '/api/phones/001565aabbcc/config');
    assert.equal(preview.status, 200);
    assert.equal(preview.body.name, '001565aabbcc.cfg');
    assert.match(preview.body.body, /account\.1\.password = \*{8}/);
    assert.equal(preview.body.body.includes(secret201), false);
    const p = await pbx.api<PhoneJson>('GET', '/api/phones/001565aabbcc');
    assert.notEqual(p.body.lastProvisioned, null);
    assert.ok(p.body.requests!.some((r) => r.protocol === 'tftp' && r.path === '001565aabbcc.cfg'));
  });

  it('refuses traversal and absolute paths, and says "not found" for files it does not have', async () => {
    assert.match((await tftpGet('../officepbx.db')).out, /Error code 2/);
    assert.match((await tftpGet('/etc/passwd')).out, /Error code 2/);
    assert.match((await tftpGet('firmware/none.rom')).out, /Error code 1/);
    const h = await curl(['--path-as-is', `http://127.0.0.1:${provPort}/../officepbx.db`]);
    assert.equal(h.status, 403);
  });

  it('gives an unknown phone only a valid empty file and lists it as discovered', async () => {
    const r = await curl([
      '-A',
      'Yealink SIP-T46U 108.86.0.20 00:15:65:12:34:56',
      `http://127.0.0.1:${provPort}/001565123456.cfg`,
    ]);
    assert.equal(r.status, 200);
    assert.match(r.body, /^#!version:1\.0\.0\.1\n/);
    assert.doesNotMatch(r.body, /account\.|password/);
    const gs = await tftpGet('cfg000b82aabbcc.xml');
    assert.match(gs.text, /<gs_provision version="1">/);
    assert.doesNotMatch(gs.text, /<P34>|<P35>/);
    const list = await pbx.api<PhoneJson[]>('GET', '/api/phones?state=discovered');
    const yl = list.body.find((p) => p.mac === '001565123456');
    assert.equal(yl?.vendor, 'yealink');
    assert.equal(yl?.model, 'T46U');
    assert.equal(list.body.find((p) => p.mac === '000b82aabbcc')?.vendor, 'grandstream');
    // Adopting a discovered phone keeps what it told us.
    const adopted = await pbx.api<PhoneJson>('POST', '/api/phones', {
      mac: '001565123456',
      extensions: ['202'],
    });
    assert.equal(adopted.status, 201);
    assert.equal(adopted.body.model, 'T46U');
    assert.equal(adopted.body.state, 'assigned');
  });

  it('withholds passwords once the provisioning window is closed, unless the phone proves its HTTP credentials (curl --digest)', async () => {
    const closed = await pbx.api<PhoneJson>('PUT', '/api/phones/001565aabbcc', {
      reprovision: false,
      httpUser: 'desk-1',
      httpPassword: 'phone-pass-1',
    });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.provisioningWindowOpen, false);
    assert.equal(closed.body.httpPasswordSet, true);
    const tftp = await tftpGet('001565aabbcc.cfg');
    assert.match(tftp.text, /account\.1\.user_name = 201/);
    assert.doesNotMatch(tftp.text, /password/);
    const url = `http://127.0.0.1:${provPort}/001565aabbcc.cfg`;
    const anon = await curl([url]);
    assert.equal(anon.status, 401);
    assert.match(anon.headers, /WWW-Authenticate: Digest realm="OfficePBX provisioning".*qop="auth"/i);
    assert.equal((await curl(['--digest', '-u', 'desk-1:wrong-pass', url])).status, 401);
    const ok = await curl(['--digest', '-u', 'desk-1:phone-pass-1', url]);
    assert.equal(ok.status, 200);
    assert.match(ok.body, new RegExp(`account\\.1\\.password = ${secret201}`));
    // Another phone's credentials do not open this phone's file.
    await pbx.api('PUT', '/api/phones/001565123456', { httpUser: 'desk-2', httpPassword: 'phone-pass-2' });
    assert.equal((await curl(['--digest', '-u', 'desk-2:phone-pass-2', url])).status, 401);
    const reopened = await pbx.api<PhoneJson>('PUT', '/api/phones/001565aabbcc', { reprovision: true });
    assert.equal(reopened.body.provisioningWindowOpen, true);
    assert.match((await tftpGet('001565aabbcc.cfg')).text, /account\.1\.password = /);
  });

  it('stores uploads in a bounded folder and serves them back', async () => {
    const log = path.join(work, 'app.log');
    fs.writeFileSync(log, 'boot ok\n');
    const put = await curl(['-T', log, `http://127.0.0.1:${provPort}/0004f2aabbcc-app.log`]);
    assert.equal(put.status, 201);
    assert.equal(
      fs.readFileSync(path.join(pbx.dataDir, 'provisioning', 'uploads', '0004f2aabbcc-app.log'), 'utf8'),
      'boot ok\n',
    );
    const override = path.join(work, 'phone.cfg');
    fs.writeFileSync(override, '<?xml version="1.0"?><polycomConfig/>');
    assert.equal(
      (await curl(['-T', override, `http://127.0.0.1:${provPort}/0004f2aabbcc-phone.cfg`])).status,
      201,
    );
    const back = await curl([`http://127.0.0.1:${provPort}/0004f2aabbcc-phone.cfg`]);
    assert.equal(back.body, '<?xml version="1.0"?><polycomConfig/>');
    const big = path.join(work, 'big.log');
    fs.writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 65));
    assert.equal((await curl(['-T', big, `http://127.0.0.1:${provPort}/0004f2aabbcc-boot.log`])).status, 413);
    assert.equal((await curl(['-T', log, `http://127.0.0.1:${provPort}/firmware.bin`])).status, 403);
    // The phone that uploaded appears too.
    const p = await pbx.api<PhoneJson>('GET', '/api/phones/0004f2aabbcc');
    assert.equal(p.status, 200);
  });

  it('asks a registered phone to fetch its file again (NOTIFY check-sync) when its lines change', async () => {
    const sip = await SipPhone.open({ pbxPort: pbx.sipPort, user: '202', password: '' });
    try {
      const u = await pbx.api<{ secret: string }>('GET', '/api/users/202');
      (sip.opts as { password: string }).password = u.body.secret;
      await sip.register();
      // The phone 001565123456 (lines: 202) last fetched from 127.0.0.1, where this registration comes from.
      const changed = await pbx.api<PhoneJson>('PUT', '/api/phones/001565123456', {
        extensions: ['202', '201'],
      });
      assert.equal(changed.status, 200);
      const notify = await sip.waitFor(
        'NOTIFY check-sync',
        (m) => m.isRequest && m.method === 'NOTIFY',
        3000,
      );
      assert.match(notify.header('event') ?? '', /^check-sync/);
    } finally {
      sip.close();
    }
  });

  it("takes a deleted user's lines off the phones", async () => {
    assert.equal((await pbx.api('DELETE', '/api/users/201')).status, 204);
    const p = await pbx.api<PhoneJson>('GET', '/api/phones/001565123456');
    assert.deepEqual(p.body.lines, [{ line: 1, extension: '202' }]);
    const q = await pbx.api<PhoneJson>('GET', '/api/phones/001565aabbcc');
    assert.deepEqual(q.body.lines, [{ line: 2, extension: '202' }]);
  });

  it('deletes a phone', async () => {
    assert.equal((await pbx.api('DELETE', '/api/phones/00:04:f2:aa:bb:cc')).status, 204);
    assert.equal((await pbx.api('GET', '/api/phones/0004f2aabbcc')).status, 404);
    assert.equal((await pbx.api('DELETE', '/api/phones/0004f2aabbcc')).status, 404);
  });
});
