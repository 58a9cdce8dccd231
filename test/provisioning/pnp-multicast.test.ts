/**
 * SIP multicast plug-and-play over real multicast, in two network namespaces made for this test and
 * joined by a veth pair (nothing reaches any other network): the PBX runs in one, a "phone" in the other
 * sends SUBSCRIBE to 224.0.1.75:5060 and must get 200 and a NOTIFY (application/url) with the provisioning
 * URL; the phone then shows in /api/phones as discovered. Both ways of listening are covered: the PnP port
 * shared with the SIP port (the default, 5060) and a PnP port of its own. Needs root (ip netns).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup } from '../support/engine-process.js';
import { repoRoot, tempDir } from '../support/paths.js';
import { runCommand } from '../support/run-command.js';

const tag = `${process.pid % 10000}`;
const NS_PBX = `pbxt-pbx-${tag}`;
const NS_PHONE = `pbxt-phone-${tag}`;
const octet = 10 + (process.pid % 200);
const PBX_IP = `10.213.${octet}.1`;
const PHONE_IP = `10.213.${octet}.2`;
const PASSWORD = 'test-admin-pw';
const isRoot = process.getuid?.() === 0;

async function ip(...args: string[]): Promise<void> {
  const r = await runCommand('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

async function inNs(ns: string, cmd: string, args: string[], timeoutMs = 15_000) {
  return runCommand('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs });
}

interface Pbx {
  child: ChildProcess;
  dataDir: string;
  httpPort: number;
  logs: () => string;
}

async function startPbx(sipPort: number, pnpPort: number, ns = NS_PBX, address = PBX_IP): Promise<Pbx> {
  const dataDir = tempDir('pnp');
  const httpPort = 18080;
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      path.join(repoRoot, 'dist', 'engine', 'cli.js'),
      '--data-dir',
      dataDir,
      '--advertise',
      address,
      '--sip-port',
      String(sipPort),
      '--http-port',
      String(httpPort),
      '--tftp-port',
      '0',
      '--prov-port',
      '18090',
      '--pnp-port',
      String(pnpPort),
      '--admin-password',
      PASSWORD,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', () => undefined);
  for (let i = 0; i < 100; i++) {
    const r = await inNs(ns, 'curl', ['-s', `http://127.0.0.1:${httpPort}/api/health`]);
    if (r.stdout.includes('"ok":true')) return { child, dataDir, httpPort, logs: () => stderr };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`PBX not healthy in its namespace:\n${stderr}`);
}

async function stopPbx(p: Pbx): Promise<void> {
  if (p.child.exitCode === null) {
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGTERM');
    const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
  cleanup(p.dataDir);
}

async function phone(mac: string, vendor: string, model: string, ua: string) {
  const r = await inNs(NS_PHONE, process.execPath, [
    path.join(repoRoot, 'dist', 'test', 'provisioning', 'pnp-phone.js'),
    PHONE_IP,
    mac,
    vendor,
    model,
    ua,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    ok: boolean;
    responses: string[];
    notifies: number;
    url: string;
    contentType: string;
    event: string;
    from: string;
  };
}

async function phones(p: Pbx): Promise<{ mac: string; vendor: string; model: string; state: string }[]> {
  const r = await inNs(NS_PBX, 'curl', [
    '-s',
    '-u',
    `admin:${PASSWORD}`,
    `http://127.0.0.1:${p.httpPort}/api/phones`,
  ]);
  return JSON.parse(r.stdout);
}

describe(
  'SIP multicast plug-and-play (224.0.1.75) between two network namespaces',
  { skip: !isRoot && 'needs root for ip netns' },
  () => {
    before(async () => {
      await ip('netns', 'add', NS_PBX);
      await ip('netns', 'add', NS_PHONE);
      await ip('link', 'add', `vpbx${tag}`, 'type', 'veth', 'peer', 'name', `vphn${tag}`);
      await ip('link', 'set', `vpbx${tag}`, 'netns', NS_PBX);
      await ip('link', 'set', `vphn${tag}`, 'netns', NS_PHONE);
      for (const [ns, dev, addr] of [
        [NS_PBX, `vpbx${tag}`, PBX_IP],
        [NS_PHONE, `vphn${tag}`, PHONE_IP],
      ] as const) {
        await ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
        await ip('-n', ns, 'link', 'set', dev, 'up');
        await ip('-n', ns, 'link', 'set', 'lo', 'up');
        // Multicast leaves through the veth: the only way out of either namespace.
        await ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev);
      }
    });
    after(async () => {
      // Deleting the namespaces removes the veth pair with them.
      await runCommand('ip', ['netns', 'del', NS_PBX]);
      await runCommand('ip', ['netns', 'del', NS_PHONE]);
    });

    it('answers on the SIP port itself (PnP port = SIP port = 5060): 200, one NOTIFY with the URL, phone discovered', async () => {
      const pbx = await startPbx(5060, 5060);
      try {
        const r = await phone(
          '001565aabb01',
          'Yealink',
          'T46U',
          'Yealink SIP-T46U 108.86.0.20 00:15:65:aa:bb:01',
        );
        assert.ok(r.ok, JSON.stringify(r) + pbx.logs());
        assert.deepEqual([...new Set(r.responses)], ['200']);
        assert.equal(r.notifies, 1);
        assert.equal(r.contentType, 'application/url');
        assert.match(r.event, /^ua-profile/);
        assert.equal(r.url, `http://${PBX_IP}:18090/`);
        assert.equal(r.from, `${PBX_IP}:5060`);
        const list = await phones(pbx);
        const p = list.find((x) => x.mac === '001565aabb01');
        assert.equal(p?.state, 'discovered');
        assert.equal(p?.vendor, 'yealink');
        assert.equal(p?.model, 'T46U');
        // And the URL works from the phone's side.
        const file = await inNs(NS_PHONE, 'curl', ['-s', `${r.url}001565aabb01.cfg`]);
        assert.match(file.stdout, /^#!version:1\.0\.0\.1/);
      } finally {
        await stopPbx(pbx);
      }
    });

    it('answers from a PnP socket of its own when the SIP port differs; a Snom gets its own file URL', async () => {
      const pbx = await startPbx(5070, 5060);
      try {
        const r = await phone('000413aabb02', 'snom', 'D785', 'snomD785/10.1.33.33');
        assert.ok(r.ok, JSON.stringify(r) + pbx.logs());
        assert.equal(r.notifies, 1);
        assert.equal(r.url, `http://${PBX_IP}:18090/snom-000413aabb02.xml`);
        const p = (await phones(pbx)).find((x) => x.mac === '000413aabb02');
        assert.equal(p?.vendor, 'snom');
        assert.equal(p?.model, 'D785');
        assert.match(pbx.logs(), /plug-and-play: listening for phones on 224\.0\.1\.75/);
        assert.doesNotMatch(pbx.logs(), /another plug-and-play server/);
      } finally {
        await stopPbx(pbx);
      }
    });

    it('warns when another plug-and-play server answers on the same network', async () => {
      const first = await startPbx(5060, 5060);
      // A second PBX on the other end of the link: its probe at start finds the first.
      const second = await startPbx(5060, 5060, NS_PHONE, PHONE_IP);
      try {
        let info: { pnp: { otherServers: string[] } } | undefined;
        for (let i = 0; i < 30; i++) {
          const r = await inNs(NS_PHONE, 'curl', [
            '-s',
            '-u',
            `admin:${PASSWORD}`,
            `http://127.0.0.1:${second.httpPort}/api/provisioning`,
          ]);
          info = JSON.parse(r.stdout);
          if (info!.pnp.otherServers.length) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual(info?.pnp.otherServers, [PBX_IP], second.logs());
        assert.match(second.logs(), /another plug-and-play server answers phones on this network/);
        // The probe is not a phone: the first PBX lists nothing.
        assert.deepEqual(await phones(first), []);
      } finally {
        await stopPbx(second);
        await stopPbx(first);
      }
    });
  },
);
