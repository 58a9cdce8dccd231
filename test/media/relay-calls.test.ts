// Real calls with real audio anchored in the relay: two baresip phones call each other through OfficePBX,
// each sends a tone of its own, and each must hear the other's — through the built-in relay, and through
// rtpengine with the ng driver. While the call lasts, GET /api/calls shows packets flowing both ways.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeBaresipProfile, receivedRecordings, runBaresip, toneOf } from '../support/baresip.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { startRtpengine, type Rtpengine } from './rtpengine/rtpengine-harness.js';

interface DirectionStats {
  packets: number;
  source: string | null;
}
interface CallView {
  caller: string;
  callee: string;
  state: string;
  media: Array<{
    codec: string | null;
    callerToCallee: DirectionStats;
    calleeToCaller: DirectionStats;
  }> | null;
}

async function toneCallThroughRelay(
  pbx: RunningEngine,
  portRange: [number, number] | undefined,
): Promise<void> {
  for (const ext of ['7001', '7002']) {
    const r = await pbx.api('POST', '/api/users', {
      extension: ext,
      name: `Phone ${ext}`,
      secret: `relay-secret-${ext}`,
    });
    assert.equal(r.status, 201);
  }
  const registrar = `127.0.0.1:${pbx.sipPort}`;
  const alice = await makeBaresipProfile('7001', 'relay-secret-7001', registrar, 440);
  const bob = await makeBaresipProfile('7002', 'relay-secret-7002', registrar, 1000);
  const callee = runBaresip(bob, 14);
  let registered = false;
  for (let i = 0; i < 50 && !registered; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const regs = await pbx.api<Array<{ extension: string }>>('GET', '/api/registrations');
    registered = regs.body.some((r) => r.extension === '7002');
  }
  assert.ok(registered, 'callee registered');
  const caller = runBaresip(alice, 9, ['/dial 7002']);
  // While the call is up, the relay's counters move in both directions.
  let seen: CallView | undefined;
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const calls = (await pbx.api<CallView[]>('GET', '/api/calls')).body;
    const c = calls.find((x) => x.state === 'answered');
    if (c?.media?.[0] && c.media[0].callerToCallee.packets > 100 && c.media[0].calleeToCaller.packets > 100) {
      seen = c;
      break;
    }
  }
  assert.ok(seen, 'the relay forwarded packets both ways during the call');
  assert.equal(seen.caller, '7001');
  assert.equal(seen.callee, '7002');
  assert.match(seen.media![0]!.codec ?? '', /PCM[UA]/i);
  if (portRange) {
    // Each phone's source was latched (learned from its packets).
    assert.ok(seen.media![0]!.callerToCallee.source, 'caller source latched');
    assert.ok(seen.media![0]!.calleeToCaller.source, 'callee source latched');
  }
  await caller.exited;
  await callee.exited;
  const heardByAlice = receivedRecordings(alice);
  const heardByBob = receivedRecordings(bob);
  assert.equal(heardByAlice.length, 1);
  assert.equal(heardByBob.length, 1);
  const a = toneOf(heardByAlice[0]!);
  const b = toneOf(heardByBob[0]!);
  assert.ok(Math.abs(a.hz - 1000) < 100, `caller hears the callee's 1000 Hz, heard ~${a.hz} Hz`);
  assert.ok(Math.abs(b.hz - 440) < 60, `callee hears the caller's 440 Hz, heard ~${b.hz} Hz`);
  assert.ok(a.rms > 0.1 && b.rms > 0.1, 'both recordings carry audio');
  // The call is over: nothing is left in progress, and its record keeps the media statistics.
  assert.deepEqual((await pbx.api<unknown[]>('GET', '/api/calls')).body, []);
  let rec: { disposition: string; media: CallView['media'] } | undefined;
  for (let i = 0; i < 20 && !rec?.media; i++) {
    await new Promise((r) => setTimeout(r, 100));
    rec = (await pbx.api<{ records: Array<typeof rec> }>('GET', '/api/cdr?limit=1')).body.records[0];
  }
  assert.equal(rec?.disposition, 'ANSWERED');
  assert.ok((rec?.media?.[0]?.callerToCallee.packets ?? 0) > 100, 'the record keeps the packet counts');
  assert.ok((rec?.media?.[0]?.calleeToCaller.packets ?? 0) > 100);
}

describe('calls with audio through the built-in relay', () => {
  let pbx: RunningEngine;
  // Below the ephemeral ports (32768+), so no client socket bound to port 0 can hold one of them.
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);
  before(async () => {
    pbx = await startEngine({ args: ['--rtp-ports', `${base}-${base + 99}`] });
  });
  after(async () => {
    assert.equal(await pbx.stop(), 0);
  });
  it('two baresip phones hear each other, media anchored in the relay', { timeout: 60_000 }, async () => {
    await toneCallThroughRelay(pbx, [base, base + 99]);
  });
});

describe('calls with audio through rtpengine (ng driver)', () => {
  let pbx: RunningEngine;
  let rtpengine: Rtpengine;
  before(async () => {
    rtpengine = await startRtpengine();
    pbx = await startEngine({ args: ['--rtpengine', rtpengine.ng] });
  });
  after(async () => {
    assert.equal(await pbx.stop(), 0);
    await rtpengine.stop();
  });
  it('two baresip phones hear each other, media anchored in rtpengine', { timeout: 60_000 }, async () => {
    await toneCallThroughRelay(pbx, undefined);
  });
});
