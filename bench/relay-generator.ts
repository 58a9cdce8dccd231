// The relay load probe's traffic generator as a child process (bench/rtp-loadgen.c, compiled at run time,
// by default; bench/relay_load_generator.py when no C compiler exists; or bench/relay-load-generator.ts),
// and setting up the calls it drives through a relay.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RelayDriver } from '../engine/media/index.js';
import { note } from './bench-output.js';
import { buildCGenerator } from './c-generator.js';
import type { GeneratorReply } from './relay-load-generator.js';

const sdp = (port: number): string =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n` +
  `m=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
const mPort = (s: string): number => Number(/^m=audio (\d+)/m.exec(s)?.[1]);

/**
 * Anchors one call per pair of generator legs (`load-0`, `load-1` …) and returns where each leg sends:
 * the caller leg to the answer's port, the callee leg to the offer's.
 */
export async function setUpCalls(relay: RelayDriver, ports: number[]): Promise<number[]> {
  const targets: number[] = [];
  for (let c = 0; 2 * c + 1 < ports.length; c++) {
    const key = { callId: `load-${c}`, fromTag: 'a', toTag: 'b', signallingAddress: '127.0.0.1' };
    const offer = await relay.offer({ ...key, sdp: sdp(ports[2 * c]!), from: 'caller' });
    const answer = await relay.answer({ ...key, sdp: sdp(ports[2 * c + 1]!), from: 'callee' });
    targets.push(mPort(answer), mPort(offer));
  }
  return targets;
}

export type GeneratorKind = 'c' | 'python' | 'node';

/**
 * The generator to use: `auto` is the C one when it compiles, else Python (with a note saying why: the
 * Python one cannot offer 100,000 packets/s on two cores and its own delays show up as latency).
 */
export function chooseGenerator(requested: GeneratorKind | 'auto'): GeneratorKind {
  if (requested !== 'auto' && requested !== 'c') return requested;
  const c = buildCGenerator();
  if (c.ok) return 'c';
  if (requested === 'c') throw new Error(c.reason);
  note(`C generator unavailable, falling back to the Python one: ${c.reason}`);
  return 'python';
}

export class Generator {
  private readonly child: ChildProcess;
  private waiting: ((msg: GeneratorReply) => void) | undefined;

  constructor(kind: GeneratorKind) {
    const [command, args] = Generator.commandFor(kind);
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(JSON.parse(line) as GeneratorReply);
    });
  }

  private static commandFor(kind: GeneratorKind): [string, string[]] {
    if (kind === 'python')
      return ['python3', [fileURLToPath(new URL('../../bench/relay_load_generator.py', import.meta.url))]];
    if (kind === 'node')
      return [process.execPath, [fileURLToPath(new URL('./relay-load-generator.js', import.meta.url))]];
    const c = buildCGenerator();
    if (!c.ok) throw new Error(c.reason);
    return [c.binary, []];
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  next<T extends GeneratorReply['type']>(type: T): Promise<Extract<GeneratorReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiting = (msg) =>
        msg.type === type
          ? resolve(msg as Extract<GeneratorReply, { type: T }>)
          : reject(new Error(msg.type));
    });
  }

  command(cmd: object): void {
    this.child.stdin!.write(JSON.stringify(cmd) + '\n');
  }

  close(): void {
    this.command({ type: 'close' });
  }
}
