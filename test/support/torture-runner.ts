// Runs INSIDE a network namespace that has only loopback (the RFC 4475 messages name hosts outside
// loopback; any answer the server tries to send there fails inside the namespace). Starts the service,
// sends every torture message over UDP with its top Via pointed back at us, records what came back, and
// checks after each message that the server still answers. Prints one JSON line with the results.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startEngine } from './engine-process.js';
import { rfc4475Dir } from './paths.js';
import { parseRawResponse, randomId, UdpSipClient } from './raw-sip-client.js';

interface CaseResult {
  file: string;
  expected: string;
  note: string;
  status: number | null;
  reason: string | null;
  aliveAfter: boolean;
}

async function main(): Promise<void> {
  try {
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
  } catch {
    /* already up */
  }
  const dir = rfc4475Dir;
  const index = fs.readFileSync(path.join(dir, 'INDEX.tsv'), 'utf8').trim().split('\n').slice(1);
  const pbx = await startEngine();
  const c = await UdpSipClient.open();
  const results: CaseResult[] = [];
  for (const line of index) {
    const [file, , expected, note] = line.split('\t');
    if (!file || !expected) continue;
    let raw = fs.readFileSync(path.join(dir, file));
    // Point the top Via at our UDP socket so the answer comes back here (only the first Via line; the
    // transport becomes UDP, the protocol version is left as sent).
    const text = raw.toString('latin1');
    const rewritten = text.replace(
      /^((?:Via|v)\s*:\s*SIP\s*\/\s*[\d.]+\s*\/\s*)\S+(\s+)([^;\s,]+)/im,
      `$1UDP$2127.0.0.1:${c.port}`,
    );
    // Several messages share a branch (z9hG4bKkdjuw); once their Vias point at the same socket they would
    // match one transaction. Give each a unique branch (except badbranch, whose bare cookie is the test).
    const unique =
      file === 'badbranch.dat'
        ? rewritten
        : rewritten.replace(/(branch=z9hG4bK[^;,\s]*)/i, `$1-${results.length}`);
    raw = Buffer.from(unique, 'latin1');
    const callId = /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(text)?.[1];
    c.send(raw, pbx.sipPort);
    // A message without Call-ID (insuf) can only be answered without one.
    const answer = await c.receive(
      (m) =>
        m.startsWith('SIP/2.0') &&
        (callId === undefined ? !/\r\n(Call-ID|i)\s*:/i.test(m) : m.includes(callId)),
      700,
    );
    const parsed = answer ? parseRawResponse(answer) : undefined;
    // Still alive? An OPTIONS to the server itself must be answered.
    const probeId = randomId();
    c.send(
      [
        `OPTIONS sip:127.0.0.1:${pbx.sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bK${probeId}`,
        'Max-Forwards: 70',
        `From: <sip:probe@127.0.0.1>;tag=${probeId}`,
        'To: <sip:127.0.0.1>',
        `Call-ID: ${probeId}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      pbx.sipPort,
    );
    const alive = (await c.response(probeId, 3000))?.status === 200;
    results.push({
      file,
      expected,
      note: note ?? '',
      status: parsed?.status ?? null,
      reason: parsed?.reason ?? null,
      aliveAfter: alive,
    });
  }
  c.close();
  const exit = await pbx.stop();
  process.stdout.write(JSON.stringify({ results, exit }) + '\n');
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: String(err instanceof Error ? err.stack : err) }) + '\n');
  process.exit(1);
});
