// Calls in progress (GET /api/calls) and how each call attempt ended, as the proxy follows them:
// answered, busy, cancelled (no answer), unknown extension (failed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { voicemailOff } from '../support/voicemail.js';
import { freePort } from '../support/ports.js';
import {
  registerArgs,
  runSipp,
  scenario,
  scenarioWith,
  startSipp,
  uacArgs,
  uasArgs,
} from '../support/sipp.js';

const A = { user: '6001', password: 'track-secret-1' };
const B = { user: '6002', password: 'track-secret-2' };
// Each callee test registers its own extension: a binding left by an earlier sipp run would fork the
// call to a dead port as well.
const BUSY = { user: '6003', password: 'track-secret-3' };
const RING = { user: '6004', password: 'track-secret-4' };

interface EndedLine {
  callId: string;
  caller: string;
  callee: string;
  disposition: string;
  status: number;
}

/** The newest call record, from the REST API (GET /api/cdr answers newest first). */
async function lastRecord(pbx: RunningEngine): Promise<{
  disposition: string;
  caller: string;
  callee: string;
  status: number;
  duration: number;
  billsec: number;
}> {
  // The record is written when the call's media has been released: poll briefly.
  for (let i = 0; i < 20; i++) {
    const r = await pbx.api<{
      records: Array<{
        callId: string;
        disposition: string;
        caller: string;
        callee: string;
        status: number;
        duration: number;
        billsec: number;
      }>;
    }>('GET', '/api/cdr?limit=1');
    const rec = r.body.records[0];
    if (rec && rec.callId === endedCalls(pbx).at(-1)?.callId) return rec;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('no call record for the last call');
}

function endedCalls(pbx: RunningEngine): EndedLine[] {
  return pbx
    .logs()
    .split('\n')
    .filter((l) => l.includes('"call ended"'))
    .map((l) => JSON.parse(l) as EndedLine);
}

describe('call tracking', () => {
  let pbx: RunningEngine;
  let target: string;

  before(async () => {
    // No keep-alives: a sipp callee run with -m 1 counts an auto-answered OPTIONS as its one call.
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    target = `127.0.0.1:${pbx.sipPort}`;
    for (const u of [A, B, BUSY, RING])
      assert.equal(
        (await pbx.api('POST', '/api/users', { extension: u.user, name: u.user, secret: u.password })).status,
        201,
      );
    // Busy and unanswered calls stay BUSY and NO ANSWER here: voicemail does not take them.
    await voicemailOff(pbx, BUSY.user, RING.user);
  });

  after(async () => {
    await pbx.stop();
  });

  async function callee(scenarioFile: string, who = B): Promise<ReturnType<typeof startSipp>> {
    const port = await freePort();
    const reg = await runSipp(registerArgs(target, who, port), 10);
    assert.equal(reg.code, 0, reg.stderr);
    const run = startSipp(uasArgs(scenario(scenarioFile), port), 30);
    await new Promise((r) => setTimeout(r, 300));
    return run;
  }

  it('lists an answered call while it lasts, then records it as ANSWERED', async () => {
    const uas = await callee('uas-answer.xml');
    const uac = startSipp(
      uacArgs(target, scenario('uac-call.xml'), A, await freePort(), B.user, '-d', '2000'),
      30,
    );
    let seen: Array<{ caller: string; callee: string; state: string }> = [];
    for (let i = 0; i < 20 && !seen.some((c) => c.state === 'answered'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await pbx.api<typeof seen>('GET', '/api/calls')).body;
    }
    assert.deepEqual(
      seen.map((c) => [c.caller, c.callee, c.state]),
      [[A.user, B.user, 'answered']],
    );
    assert.equal((await uac.done).code, 0);
    assert.equal((await uas.done).code, 0);
    assert.deepEqual((await pbx.api<unknown[]>('GET', '/api/calls')).body, []);
    const last = endedCalls(pbx).at(-1)!;
    assert.equal(last.disposition, 'ANSWERED');
    assert.equal(last.caller, A.user);
    assert.equal(last.callee, B.user);
    const rec = await lastRecord(pbx);
    assert.equal(rec.disposition, 'ANSWERED');
    assert.ok(rec.billsec >= 1 && rec.billsec <= 4, `billable seconds ${rec.billsec}`);
  });

  it('records BUSY, NO ANSWER (cancelled) and FAILED (unknown extension)', async () => {
    const busy = await callee('uas-busy.xml', BUSY);
    let r = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '486' }),
        A,
        await freePort(),
        BUSY.user,
      ),
      20,
    );
    assert.equal(r.code, 0, r.stderr);
    await busy.done;
    assert.equal(endedCalls(pbx).at(-1)?.disposition, 'BUSY');
    assert.equal((await lastRecord(pbx)).disposition, 'BUSY');

    const ring = await callee('uas-ring.xml', RING);
    r = await runSipp(uacArgs(target, scenario('uac-cancel.xml'), A, await freePort(), RING.user), 20);
    assert.equal(r.code, 0, r.stderr);
    await ring.done;
    assert.equal(endedCalls(pbx).at(-1)?.disposition, 'NO ANSWER');
    assert.equal((await lastRecord(pbx)).disposition, 'NO ANSWER');

    r = await runSipp(
      uacArgs(
        target,
        scenarioWith('uac-expect-final.xml', { EXPECTED_STATUS: '404' }),
        A,
        await freePort(),
        '6999',
      ),
      20,
    );
    assert.equal(r.code, 0, r.stderr);
    const failed = endedCalls(pbx).at(-1)!;
    assert.equal(failed.disposition, 'FAILED');
    assert.equal(failed.status, 404);
    assert.equal(failed.callee, '6999');
    const rec = await lastRecord(pbx);
    assert.deepEqual([rec.disposition, rec.status, rec.billsec], ['FAILED', 404, 0]);
  });
});
