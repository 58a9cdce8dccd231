// The SIP responsiveness probe (a child process of bench/relay-load.ts, never the engine's own process):
// sends out-of-dialog OPTIONS to the server itself at a fixed rate over UDP and times each final response,
// matched by Call-ID. Prints one JSON line when done:
//   {"sent":N,"answered":N,"p50":ms,"p99":ms,"max":ms}
//
//   node dist/bench/sip-probe.js --target 127.0.0.1:5060 --rate 100 --seconds 8
import crypto from 'node:crypto';
import dgram from 'node:dgram';

export interface SipProbeResult {
  sent: number;
  answered: number;
  p50: number;
  p99: number;
  max: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const [host = '127.0.0.1', portText = '5060'] = arg('target', '127.0.0.1:5060').split(':');
const port = Number(portText);
const rate = Number(arg('rate', '100'));
const seconds = Number(arg('seconds', '8'));

const socket = dgram.createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
const local = socket.address().port;
const tag = crypto.randomBytes(4).toString('hex');
const pending = new Map<string, number>();
const rtts: number[] = [];

socket.on('message', (msg) => {
  const text = msg.toString('latin1');
  if (!text.startsWith('SIP/2.0 ') || text.startsWith('SIP/2.0 1')) return;
  const callId = /^Call-ID:\s*(\S+)/im.exec(text)?.[1];
  const sentAt = callId ? pending.get(callId) : undefined;
  if (sentAt === undefined) return;
  pending.delete(callId!);
  rtts.push(performance.now() - sentAt);
});

function options(n: number): { callId: string; text: string } {
  const callId = `probe-${tag}-${n}`;
  const text =
    `OPTIONS sip:${host}:${port} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${tag}-${n};rport\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:probe@127.0.0.1>;tag=${tag}\r\n` +
    `To: <sip:${host}:${port}>\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: ${n} OPTIONS\r\n` +
    `Accept: application/sdp\r\n` +
    `Content-Length: 0\r\n\r\n`;
  return { callId, text };
}

const start = performance.now();
const total = Math.round(rate * seconds);
for (let n = 1; n <= total; n++) {
  const wait = start + ((n - 1) * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const { callId, text } = options(n);
  pending.set(callId, performance.now());
  socket.send(text, port, host);
}
// Answers still outstanding get 2 s (an unanswered one counts as lost, not in the percentiles).
for (let waited = 0; pending.size > 0 && waited < 2000; waited += 50)
  await new Promise((r) => setTimeout(r, 50));
socket.close();

rtts.sort((a, b) => a - b);
const at = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
const result: SipProbeResult = {
  sent: total,
  answered: rtts.length,
  p50: at(0.5),
  p99: at(0.99),
  max: at(1),
};
process.stdout.write(JSON.stringify(result) + '\n');
