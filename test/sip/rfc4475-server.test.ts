// RFC 4475 torture messages against the running service, inside a network namespace with only loopback
// (the messages name hosts outside loopback). Every message gets a correct answer or is dropped, and the
// server keeps answering after each one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths.js';

interface CaseResult {
  file: string;
  expected: string;
  note: string;
  status: number | null;
  reason: string | null;
  aliveAfter: boolean;
}

/**
 * What this server (a registrar and proxy that authenticates its users) must answer; `null` = silently
 * dropped, an array = any of these. Messages not listed must not crash or stall the server, and valid
 * ones must not get 400.
 */
const EXPECTED: Record<string, number | null | number[]> = {
  'esc02.dat': 501, // RE%47IST%45R is an unknown method
  'intmeth.dat': 501,
  'escnull.dat': 401, // a REGISTER: challenged
  'dblreq.dat': 401,
  'cparam01.dat': 401,
  'cparam02.dat': 401,
  'regescrt.dat': 401,
  'regaut01.dat': 401, // unknown auth scheme: a fresh Digest challenge
  'unreason.dat': null, // responses are never answered
  'noreason.dat': null,
  'scalarlg.dat': null,
  'bigcode.dat': null,
  'bcast.dat': null,
  'badinv01.dat': 400,
  'clerr.dat': 400,
  'ncl.dat': 400,
  'scalar02.dat': 400,
  'quotbal.dat': 400,
  'ltgtruri.dat': 400,
  'lwsruri.dat': 400,
  'escruri.dat': 400,
  'regbadct.dat': 400,
  'badaspec.dat': 400,
  'baddn.dat': 400,
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': [400, 501],
  'insuf.dat': 400,
  'multi01.dat': 400,
  'mcl01.dat': 400,
  'unkscm.dat': 416,
  'novelsc.dat': [416, 404],
  'unksm2.dat': [400, 401],
  'bext01.dat': 420,
  'zeromf.dat': 483, // OPTIONS to a user with Max-Forwards 0: a proxy must not forward it
};

describe('RFC 4475 torture messages against the live server', () => {
  it('answers or drops each message correctly and never stops answering', { timeout: 180_000 }, () => {
    const runner = path.join(repoRoot, 'dist', 'test', 'support', 'torture-runner.js');
    // unshare(1) gives the run its own network namespace: loopback only, so nothing leaves this machine.
    const out = execFileSync('unshare', ['--net', '--fork', '--', process.execPath, runner], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    const report = JSON.parse(out.trim().split('\n').pop()!) as {
      results?: CaseResult[];
      exit?: number;
      error?: string;
    };
    assert.ok(report.results, report.error);
    assert.equal(report.exit, 0, 'clean shutdown after the corpus');
    assert.equal(report.results.length, 49);
    const problems: string[] = [];
    for (const r of report.results) {
      if (!r.aliveAfter) problems.push(`${r.file}: server stopped answering`);
      const isResponse = r.file === 'unreason.dat' || r.file === 'noreason.dat' || r.file === 'scalarlg.dat';
      if (isResponse && r.status !== null) problems.push(`${r.file}: a response was answered (${r.status})`);
      if (r.expected === 'valid' && r.status === 400)
        problems.push(`${r.file}: valid message rejected: 400 ${r.reason}`);
      if (
        r.expected === 'valid' &&
        r.note.startsWith('parse-ok:') &&
        r.status !== null &&
        r.status < 300 &&
        r.status >= 200 &&
        /401|407|416|420|415/.test(r.note)
      ) {
        problems.push(`${r.file}: expected an error answer, got ${r.status}`);
      }
      if (r.expected === 'invalid' && r.status !== null && r.status < 300 && !/lenien/i.test(r.note)) {
        problems.push(`${r.file}: invalid message accepted with ${r.status}`);
      }
    }
    for (const r of report.results) {
      const want = EXPECTED[r.file];
      if (want === undefined) continue;
      const ok = Array.isArray(want) ? r.status !== null && want.includes(r.status) : r.status === want;
      if (!ok)
        problems.push(`${r.file}: expected ${JSON.stringify(want)}, got ${r.status} ${r.reason ?? ''}`);
    }
    assert.deepEqual(problems, []);
    const answered400 = report.results.filter((r) => r.status === 400).map((r) => `${r.file}: ${r.reason}`);
    // The reason phrase names the problem.
    for (const line of answered400) assert.match(line, /Bad Request.+/, line);
  });
});
