// The auto-attendant with real softphones: baresip (registered as 301) dials 800 through the proxy, which
// routes it to the attendant (a media application on its own port); the caller presses
// keys (ctrl_tcp `sndcode`, sent as RFC 4733); the attendant transfers it by REFER and baresip follows the
// REFER on its own, calling 201 (another baresip, auto-answering with a 1 kHz tone) through the proxy.
// The call record shows 301 → 201 ANSWERED and each phone hears the other's tone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  baresipCommand,
  makeBaresipProfile,
  receivedRecordings,
  runBaresip,
  toneOf,
  type BaresipRun,
} from '../support/baresip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { freePort } from '../support/ports.js';

interface CdrRecord {
  caller: string;
  callee: string;
  disposition: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  pred: () => boolean | Promise<boolean>,
  ms: number,
  why: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms\n${why()}`);
    await sleep(200);
  }
}

describe('auto-attendant with baresip', () => {
  let pbx: RunningEngine;
  let appsPort: number;
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);
  const runs: BaresipRun[] = [];
  /** The engine's lines about media applications, for failure messages. */
  const appLog = (): string =>
    pbx
      .logs()
      .split('\n')
      .filter((l) => /autoattendant|media\.apps/.test(l))
      .slice(-60)
      .join('\n');

  before(async () => {
    appsPort = await freePort();
    pbx = await startEngine({
      args: [
        '--apps-sip-port',
        String(appsPort),
        '--apps-rtp-ports',
        `${base}-${base + 9}`,
        '--log-level',
        'debug',
        '--sip-trace',
      ],
    });
    for (const ext of ['201', '301']) {
      const r = await pbx.api('POST', '/api/users', {
        extension: ext,
        name: `Softphone ${ext}`,
        secret: `aa-secret-${ext}`,
      });
      assert.equal(r.status, 201);
    }
    const r = await pbx.api('PUT', '/api/autoattendant', {
      digits: { '1': { type: 'extension', extension: '201' } },
    });
    assert.equal(r.status, 200);
  });

  after(async () => {
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await pbx?.stop();
  });

  for (const [keys, what] of [
    ['1', 'a menu key'],
    ['201#', 'dial-by-extension'],
  ] as const) {
    it(
      `transfers baresip to 201 by ${what} (${keys}); baresip follows the REFER and 201 answers`,
      { timeout: 60_000 },
      async () => {
        const registrar = `127.0.0.1:${pbx.sipPort}`;
        const target = await makeBaresipProfile('201', 'aa-secret-201', registrar, 1000);
        const caller = await makeBaresipProfile('301', 'aa-secret-301', registrar, 440);
        const callee = runBaresip(target, 25);
        runs.push(callee);
        await until(
          '201 registering',
          async () => {
            const regs = await pbx.api<Array<{ extension: string }>>('GET', '/api/registrations');
            return regs.body.some((r) => r.extension === '201');
          },
          10_000,
          () => callee.output(),
        );
        const before = (await pbx.api<{ records: CdrRecord[] }>('GET', '/api/cdr?limit=50')).body.records
          .length;
        const phone = runBaresip(caller, 18, ['/dial 800']);
        runs.push(phone);
        await until(
          'the attendant answering',
          () => /established/i.test(phone.output()),
          8000,
          () => phone.output(),
        );
        // baresip sends RFC 4733 events once its audio is flowing: well into the greeting.
        await sleep(2500);
        await baresipCommand(caller, 'sndcode', keys);
        await until(
          'baresip following the REFER',
          () =>
            phone.output().includes(`to '<sip:201@127.0.0.1:${pbx.sipPort}>'`) &&
            /transferring call/.test(phone.output()),
          15_000,
          () => `${phone.output()}\n--- engine ---\n${appLog()}`,
        );
        let record: CdrRecord | undefined;
        let attendant: CdrRecord | undefined;
        await until(
          'the calls 301 → 800 and 301 → 201 in the call records',
          async () => {
            const cdr = await pbx.api<{ records: CdrRecord[] }>('GET', '/api/cdr?limit=50');
            // Newest first: the records this call added.
            const added = cdr.body.records.slice(0, cdr.body.records.length - before);
            record = added.find((c) => c.caller === '301' && c.callee === '201');
            attendant = added.find((c) => c.caller === '301' && c.callee === '800');
            return record !== undefined && attendant !== undefined;
          },
          25_000,
          () => `${phone.output()}\n--- 201 ---\n${callee.output()}`,
        );
        await phone.exited;
        await callee.exited;
        assert.equal(record!.disposition, 'ANSWERED');
        assert.equal(attendant!.disposition, 'ANSWERED', 'the call to the attendant');
        // 201 heard the caller's 440 Hz; the caller's second call (after the attendant's) heard 201's 1 kHz.
        const heardBy201 = receivedRecordings(target);
        assert.equal(heardBy201.length, 1, 'one call reached 201');
        const t = toneOf(heardBy201[0]!);
        assert.ok(Math.abs(t.hz - 440) < 60 && t.rms > 0.1, `201 heard ~${t.hz} Hz (rms ${t.rms})`);
        const heardByCaller = receivedRecordings(caller).map(toneOf);
        assert.equal(heardByCaller.length, 2, 'the attendant call and the transferred call');
        assert.ok(
          heardByCaller.some((c) => Math.abs(c.hz - 1000) < 100 && c.rms > 0.1),
          `the caller heard 201: ${JSON.stringify(heardByCaller)}`,
        );
      },
    );
  }
});
