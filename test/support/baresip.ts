// baresip (Debian's baresip-core), a real softphone, scripted through its config files: one auto-answering
// account, a sine tone of a chosen frequency as its microphone (made with sox), and every call's received
// audio recorded to <dir>/rec/*-dec.wav. It binds its SIP port and the next one (TLS): reserve two ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { soxSine } from './sox.js';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.js';
import { tempDir } from './paths.js';

export interface BaresipProfile {
  dir: string;
  user: string;
  sipPort: number;
  /** Its ctrl_tcp port: commands while it runs (see baresipCommand). */
  ctrlPort: number;
}

export async function makeBaresipProfile(
  user: string,
  password: string,
  registrar: string,
  toneHz: number,
): Promise<BaresipProfile> {
  const dir = tempDir(`baresip-${user}`);
  const sipPort = await freePort(2);
  const ctrlPort = await freePort();
  fs.mkdirSync(path.join(dir, 'rec'));
  soxSine(path.join(dir, 'tone.wav'), { hz: toneHz, seconds: 60, volume: 0.5 });
  const config = [
    ['poll_method', 'epoll'],
    ['sip_listen', `127.0.0.1:${sipPort}`],
    ['audio_player', 'aubridge,nil'],
    ['audio_source', `aufile,${path.join(dir, 'tone.wav')}`],
    ['audio_alert', 'aubridge,nil'],
    ['module_path', '/usr/lib/baresip/modules'],
    ['module', 'g711.so'],
    ['module', 'aufile.so'],
    ['module', 'sndfile.so'],
    ['snd_path', path.join(dir, 'rec')],
    ['module', 'aubridge.so'],
    ['module_app', 'account.so'],
    ['module_app', 'menu.so'],
    ['module', 'ctrl_tcp.so'],
    ['ctrl_tcp_listen', `127.0.0.1:${ctrlPort}`],
    ['net_interface', '127.0.0.1'],
  ];
  fs.writeFileSync(path.join(dir, 'config'), config.map(([k, v]) => `${k}\t\t${v}`).join('\n') + '\n');
  fs.writeFileSync(
    path.join(dir, 'accounts'),
    `<sip:${user}@${registrar};transport=udp>;auth_pass=${password};answermode=auto;regint=600\n`,
  );
  fs.writeFileSync(path.join(dir, 'contacts'), '');
  return { dir, user, sipPort, ctrlPort };
}

export interface BaresipRun {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs baresip for `seconds` (it quits by itself, hanging up any call), executing `commands` at start. */
export function runBaresip(p: BaresipProfile, seconds: number, commands: string[] = []): BaresipRun {
  const args = ['-f', p.dir, '-t', String(seconds), ...commands.flatMap((c) => ['-e', c])];
  const child = spawn('baresip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1000);
  void exited.then(() => clearTimeout(guard));
  return { child, output: () => out, exited };
}

/** The received-audio recordings (`*-dec.wav`) of a profile. */
export function receivedRecordings(p: BaresipProfile): string[] {
  return fs
    .readdirSync(path.join(p.dir, 'rec'))
    .filter((f) => f.endsWith('-dec.wav'))
    .map((f) => path.join(p.dir, 'rec', f));
}

/** sox's rough frequency estimate and RMS amplitude of a WAV file (`sox FILE -n stat` writes to stderr). */
export function toneOf(file: string): { hz: number; rms: number; seconds: number } {
  const r = spawnSync('sox', [file, '-n', 'stat'], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  const num = (label: string): number =>
    Number(new RegExp(`${label}:\\s+(-?[\\d.]+)`).exec(text)?.[1] ?? NaN);
  return {
    hz: num('Rough\\s+frequency'),
    rms: num('RMS\\s+amplitude'),
    seconds: num('Length \\(seconds\\)'),
  };
}

/**
 * One menu command sent to a running baresip over ctrl_tcp (a netstring holding
 * `{"command", "params", "token"}`), e.g. `sndcode 1234#`: keys typed into the current call, which baresip
 * sends as RFC 4733 events. Resolves with baresip's answer (a netstring of JSON); rejects after `ms`.
 */
export function baresipCommand(p: BaresipProfile, command: string, params = '', ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(p.ctrlPort, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`baresip did not answer "${command} ${params}" within ${ms} ms: ${got}`));
    }, ms);
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('connect', () => {
      const json = JSON.stringify({ command, params, token: String(Date.now()) });
      sock.write(`${Buffer.byteLength(json)}:${json},`);
    });
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (/"response"\s*:\s*true/.test(got)) {
        clearTimeout(timer);
        sock.end();
        resolve(got);
      }
    });
  });
}
