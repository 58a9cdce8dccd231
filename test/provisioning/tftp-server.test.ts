/**
 * The TFTP server against real clients: Debian's tftp-hpa (RFC 1350, no options), atftp and curl (RFC 2347
 * options: blksize, tsize, timeout), plus a raw socket for what clients do not show (retransmission,
 * unknown transfer IDs, WRQ).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRoot } from '../../engine/log/index.js';
import { ProvisioningFiles } from '../../provisioning/provisioning-files.js';
import {
  bufferFile,
  decodeTftp,
  diskFile,
  encodeAck,
  encodeRequest,
  TftpErrorCode,
  TftpOpcode,
  TftpServer,
} from '../../provisioning/tftp/index.js';
import { tempDir } from '../support/paths.js';
import { runCommand } from '../support/run-command.js';

const log = new LogRoot('silent').logger('prov.tftp');
let root: string;
let work: string;
let server: TftpServer;
const small = 'account.1.enable = 1\nline two\n';
const big = crypto.randomBytes(33 * 1024 * 1024 + 123); // > 65535 blocks of 512: the block number rolls over

/** A resolver like the engine's: names checked by ProvisioningFiles.safeName, files from `root`. */
async function resolve(name: string) {
  const safe = ProvisioningFiles.safeName(name);
  if ('refused' in safe) return { error: TftpErrorCode.accessViolation, message: safe.refused };
  if (safe.name === 'generated.cfg') return { file: bufferFile(Buffer.from(small)) };
  const p = path.join(root, safe.relative);
  if (!fs.existsSync(p)) return { error: TftpErrorCode.fileNotFound, message: 'file not found' };
  return { file: await diskFile(p) };
}

function rawClient(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((r) => s.bind(0, '127.0.0.1', () => r(s)));
}

function nextPacket(s: dgram.Socket, ms = 3000): Promise<{ buf: Buffer; port: number }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no packet')), ms);
    s.once('message', (buf, rinfo) => {
      clearTimeout(t);
      resolve({ buf, port: rinfo.port });
    });
  });
}

describe('TFTP server (RFC 1350, 2347–2349)', () => {
  before(async () => {
    root = tempDir('tftp-root');
    work = tempDir('tftp-work');
    fs.writeFileSync(path.join(root, 'firmware.rom'), big);
    fs.writeFileSync(path.join(root, 'exact.bin'), crypto.randomBytes(1024)); // a multiple of 512
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'sub', 'tone.wav'), 'RIFF');
    server = new TftpServer({ resolve, log, timeoutMs: 300, retries: 3 });
    await server.listen('127.0.0.1', 0);
  });
  after(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('serves a generated file to tftp-hpa in octet and netascii mode', async () => {
    const r = await runCommand(
      'tftp',
      ['-m', 'octet', '127.0.0.1', String(server.port), '-c', 'get', 'generated.cfg', 'a.cfg'],
      { cwd: work },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(fs.readFileSync(path.join(work, 'a.cfg'), 'utf8'), small);
    const n = await runCommand(
      'tftp',
      ['-m', 'netascii', '127.0.0.1', String(server.port), '-c', 'get', 'generated.cfg', 'n.cfg'],
      { cwd: work },
    );
    assert.equal(n.code, 0, n.stderr + n.stdout);
    // netascii travels as CR LF and the client turns it back into local line ends.
    assert.equal(fs.readFileSync(path.join(work, 'n.cfg'), 'utf8'), small);
  });

  it('negotiates blksize and tsize with atftp (OACK) and with curl', async () => {
    const r = await runCommand(
      'atftp',
      [
        '--option',
        'blksize 1428',
        '--option',
        'tsize 0',
        '-g',
        '-r',
        'sub/tone.wav',
        '-l',
        path.join(work, 't.wav'),
        '127.0.0.1',
        String(server.port),
      ],
      { cwd: work },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(fs.readFileSync(path.join(work, 't.wav'), 'utf8'), 'RIFF');
    const c = await runCommand('curl', [
      '-sS',
      '--tftp-blksize',
      '8192',
      '-o',
      path.join(work, 'e.bin'),
      `tftp://127.0.0.1:${server.port}/exact.bin`,
    ]);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(
      fs.readFileSync(path.join(work, 'e.bin')),
      fs.readFileSync(path.join(root, 'exact.bin')),
    );
  });

  it('answers the options it accepts in an OACK and starts with DATA 1 after ACK 0', async () => {
    const s = await rawClient();
    s.send(
      encodeRequest(
        TftpOpcode.RRQ,
        'exact.bin',
        'octet',
        new Map([
          ['blksize', '100000'],
          ['tsize', '0'],
          ['timeout', '2'],
          ['windowsize', '4'],
        ]),
      ),
      server.port,
      '127.0.0.1',
    );
    const oack = await nextPacket(s);
    const p = decodeTftp(oack.buf);
    assert.equal(p?.op, TftpOpcode.OACK);
    if (p?.op !== TftpOpcode.OACK) return;
    assert.equal(p.options.get('blksize'), '1468'); // the server's largest: one Ethernet frame
    assert.equal(p.options.get('tsize'), '1024');
    assert.equal(p.options.get('timeout'), '2');
    assert.equal(p.options.has('windowsize'), false); // unknown options are left out, not refused
    s.send(encodeAck(0), oack.port, '127.0.0.1');
    const data = decodeTftp((await nextPacket(s)).buf);
    assert.equal(data?.op, TftpOpcode.DATA);
    if (data?.op === TftpOpcode.DATA) assert.equal(data.data.length, 1024);
    s.close();
  });

  it('sends a file larger than 32 MiB (block numbers roll over) to tftp-hpa and atftp', async () => {
    const r = await runCommand(
      'tftp',
      ['-m', 'octet', '127.0.0.1', String(server.port), '-c', 'get', 'firmware.rom', 'f1.rom'],
      { cwd: work, timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(fs.readFileSync(path.join(work, 'f1.rom')).equals(big), 'tftp-hpa copy differs');
    const a = await runCommand(
      'atftp',
      [
        '--option',
        'blksize 8192',
        '-g',
        '-r',
        'firmware.rom',
        '-l',
        path.join(work, 'f2.rom'),
        '127.0.0.1',
        String(server.port),
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(a.code, 0, a.stderr + a.stdout);
    assert.ok(fs.readFileSync(path.join(work, 'f2.rom')).equals(big), 'atftp copy differs');
  });

  it('serves several transfers at once', async () => {
    const runs = Array.from({ length: 6 }, (_, i) =>
      runCommand(
        'tftp',
        [
          '-m',
          'octet',
          '127.0.0.1',
          String(server.port),
          '-c',
          'get',
          i % 2 ? 'generated.cfg' : 'exact.bin',
          `c${i}`,
        ],
        { cwd: work },
      ),
    );
    for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.stderr);
    for (let i = 0; i < 6; i++) assert.ok(fs.statSync(path.join(work, `c${i}`)).size > 0);
    // The last ACK may still be on its way when a client exits, and under load a block may have been sent
    // twice: a transfer ends at its last ACK or after its retries (3 × 300 ms here).
    for (let i = 0; i < 60 && server.activeTransfers > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.activeTransfers, 0);
  });

  it('refuses traversal, absolute paths and writes with an ERROR packet, and says "not found" for unknown files', async () => {
    const cases: [string, string[], RegExp][] = [
      ['traversal', ['-c', 'get', '../../etc/passwd', 'x1'], /Error code 2/],
      ['traversal inside', ['-c', 'get', 'sub/../../x', 'x2'], /Error code 2/],
      ['absolute', ['-c', 'get', '/etc/passwd', 'x3'], /Error code 2/],
      ['unknown', ['-c', 'get', 'nothing-here.cfg', 'x4'], /Error code 1/],
      ['write', ['-c', 'put', path.join(root, 'exact.bin'), 'exact.bin'], /Error code 2/],
    ];
    for (const [what, args, expected] of cases) {
      const r = await runCommand('tftp', ['-m', 'octet', '127.0.0.1', String(server.port), ...args], {
        cwd: work,
      });
      assert.match(r.stdout + r.stderr, expected, what);
    }
    assert.equal(fs.existsSync(path.join(work, 'x1')) && fs.statSync(path.join(work, 'x1')).size > 0, false);
  });

  it('answers malformed requests with "illegal operation" and keeps serving', async () => {
    const s = await rawClient();
    const bad = [
      Buffer.from([0]),
      Buffer.from([0, 9, 0, 0]),
      Buffer.from([0, 1, 0x61, 0x62]), // RRQ without NUL terminators
      Buffer.concat([Buffer.from([0, 1]), Buffer.from('generated.cfg\0mail\0')]), // RFC 1350's obsolete mail mode
      Buffer.concat([Buffer.from([0xff, 0xfe]), crypto.randomBytes(600)]), // no such opcode
    ];
    for (const b of bad) {
      s.send(b, server.port, '127.0.0.1');
      const p = decodeTftp((await nextPacket(s)).buf);
      assert.equal(p?.op, TftpOpcode.ERROR, b.toString('hex').slice(0, 20));
    }
    s.close();
    const r = await runCommand(
      'tftp',
      ['-m', 'octet', '127.0.0.1', String(server.port), '-c', 'get', 'generated.cfg', 'after.cfg'],
      { cwd: work },
    );
    assert.equal(r.code, 0);
    assert.equal(fs.readFileSync(path.join(work, 'after.cfg'), 'utf8'), small);
  });

  it('retransmits an unacknowledged block, tells a stranger "unknown transfer ID", and gives up after its retries', async () => {
    const s = await rawClient();
    s.send(encodeRequest(TftpOpcode.RRQ, 'generated.cfg'), server.port, '127.0.0.1');
    const first = await nextPacket(s);
    const again = await nextPacket(s, 2000); // no ACK: the same DATA 1 comes again after the timeout
    assert.deepEqual(again.buf, first.buf);
    assert.equal(again.port, first.port);
    const stranger = await rawClient();
    stranger.send(encodeAck(1), first.port, '127.0.0.1');
    const err = decodeTftp((await nextPacket(stranger)).buf);
    assert.equal(err?.op, TftpOpcode.ERROR);
    if (err?.op === TftpOpcode.ERROR) assert.equal(err.code, TftpErrorCode.unknownTransferId);
    // 3 retries of 300 ms, then the transfer is dropped.
    for (let i = 0; i < 40 && server.activeTransfers > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.activeTransfers, 0);
    s.close();
    stranger.close();
  });
});
