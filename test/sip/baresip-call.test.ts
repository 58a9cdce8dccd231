// baresip, a real softphone, registers and calls another baresip through OfficePBX. Each phone sends a
// tone of its own frequency; each must hear the other's, which proves the call was set up end to end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeBaresipProfile, receivedRecordings, runBaresip, toneOf } from '../support/baresip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';

describe('baresip through OfficePBX', () => {
  let pbx: RunningEngine;

  before(async () => {
    pbx = await startEngine();
    for (const ext of ['5001', '5002']) {
      const r = await pbx.api('POST', '/api/users', {
        extension: ext,
        name: `Softphone ${ext}`,
        secret: `bs-secret-${ext}`,
      });
      assert.equal(r.status, 201);
    }
  });

  after(async () => {
    await pbx.stop();
  });

  it(
    'registers two baresip phones and connects a call between them; each hears the other',
    { timeout: 60_000 },
    async () => {
      const registrar = `127.0.0.1:${pbx.sipPort}`;
      const alice = await makeBaresipProfile('5001', 'bs-secret-5001', registrar, 440);
      const bob = await makeBaresipProfile('5002', 'bs-secret-5002', registrar, 1000);
      const callee = runBaresip(bob, 14);
      // Wait until the callee is registered.
      let registered = false;
      for (let i = 0; i < 50 && !registered; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const regs = await pbx.api<Array<{ extension: string; userAgent: string }>>(
          'GET',
          '/api/registrations',
        );
        registered = regs.body.some((r) => r.extension === '5002' && r.userAgent.startsWith('baresip'));
      }
      assert.ok(registered, `callee did not register:\n${callee.output().slice(-2000)}`);
      const caller = runBaresip(alice, 8, ['/dial 5002']);
      await caller.exited;
      await callee.exited;
      assert.match(
        caller.output(),
        /Call with sip:5002@.* terminated \(duration: [3-9] secs\)/,
        caller.output().slice(-2000),
      );
      const heardByAlice = receivedRecordings(alice);
      const heardByBob = receivedRecordings(bob);
      assert.equal(heardByAlice.length, 1, 'caller recorded one call');
      assert.equal(heardByBob.length, 1, 'callee recorded one call');
      const a = toneOf(heardByAlice[0]!);
      const b = toneOf(heardByBob[0]!);
      assert.ok(a.seconds > 3 && b.seconds > 3, `calls lasted ${a.seconds}s / ${b.seconds}s`);
      assert.ok(
        Math.abs(a.hz - 1000) < 100,
        `caller should hear the callee's 1000 Hz tone, heard ~${a.hz} Hz`,
      );
      assert.ok(Math.abs(b.hz - 440) < 60, `callee should hear the caller's 440 Hz tone, heard ~${b.hz} Hz`);
      assert.ok(a.rms > 0.1 && b.rms > 0.1, 'both recordings carry audio, not silence');
    },
  );
});
