/**
 * Ports are never leaked: thousands of offer/answer/delete cycles, including aborted and malformed ones
 * and ones that race each other or run the range dry, and afterwards every pair is back in the pool and
 * every worker holds zero sockets.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RelayError, type BuiltinRelay } from '../../engine/media/index.js';
import { LOOPBACK, Phone, RELAY_ENGINES, audioSdp, callKey, mPort, relayOn, rtp } from './media-harness.js';

const CYCLES = 3000;
const CONCURRENCY = 40;

const twoStreams = (port: number, version = 1, hold = false): string =>
  [
    'v=0',
    `o=- 7 ${version} IN IP4 10.1.2.3`,
    's=-',
    `c=IN IP4 ${hold ? '0.0.0.0' : '10.1.2.3'}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:101 telephone-event/8000',
    hold ? 'a=sendonly' : 'a=sendrecv',
    `m=video ${port + 2} RTP/AVP 96`,
    'a=rtpmap:96 H264/90000',
    '',
  ].join('\r\n');

/** Refusals that are part of the game: an exhausted range, an answer with no offer, a bad body, a race. */
function expected(err: unknown): boolean {
  return err instanceof RelayError && [503, 500, 488].includes(err.sipStatus);
}

for (const engine of RELAY_ENGINES) {
  const relay = relayOn(engine);

  describe(`BuiltinRelay never leaks ports [${engine}]`, () => {
    // Below the ephemeral port range (32768+): no client socket bound to port 0 can take one of these.
    const r: BuiltinRelay = relay(31800, 31999, { workers: 2 }); // 100 pairs
    let probe: Phone | undefined;
    after(async () => {
      probe?.close();
      await r.close();
    });

    async function cycle(i: number, counts: Map<string, number>): Promise<void> {
      const k = callKey('leak');
      const base = { ...k, signallingAddress: '10.1.2.3' };
      const count = (what: string): void => void counts.set(what, (counts.get(what) ?? 0) + 1);
      const attempt = async (op: () => Promise<unknown>): Promise<void> => {
        try {
          await op();
        } catch (err) {
          if (!expected(err)) throw err;
          count(`refused ${(err as RelayError).sipStatus}`);
        }
      };
      switch (i % 8) {
        case 0: // a whole call, with a packet through it now and then
          await attempt(async () => {
            await r.offer({ ...base, sdp: audioSdp({ port: 20000 }), from: 'caller' });
            const answer = await r.answer({ ...base, sdp: audioSdp({ port: 20002 }), from: 'callee' });
            if (i % 64 === 0 && probe) await probe.rtp.send(rtp(1, 160, 1), mPort(answer));
          });
          await r.delete(k);
          break;
        case 1: // cancelled before the answer
          await attempt(() => r.offer({ ...base, sdp: audioSdp({ port: 20000 }), from: 'caller' }));
          await r.delete(k);
          break;
        case 2: // an answer without an offer, then a delete of a call that does not exist
          await attempt(() => r.answer({ ...base, sdp: audioSdp({ port: 20002 }), from: 'callee' }));
          assert.equal(await r.delete(k), undefined);
          break;
        case 3: // a double delete, both at once
          await attempt(async () => {
            await r.offer({ ...base, sdp: audioSdp({ port: 20000 }), from: 'caller' });
            await r.answer({ ...base, sdp: audioSdp({ port: 20002 }), from: 'callee' });
          });
          await Promise.all([r.delete(k), r.delete(k)]);
          await r.delete(k);
          break;
        case 4: {
          // a delete that overtakes its own offer (CANCEL right behind the INVITE)
          const offer = r.offer({ ...base, sdp: audioSdp({ port: 20000 }), from: 'caller' }).then(
            () => undefined,
            (err: unknown) => err,
          );
          if (i % 16 === 12) await new Promise((resolve) => setImmediate(resolve)); // let the offer start first
          const deleted = r.delete(k);
          await attempt(async () => {
            const err = await offer;
            if (err) throw err;
          });
          await deleted;
          await r.delete(k); // the offer may have won: then this is the real delete
          break;
        }
        case 5: // two streams, video declined in the answer, hold re-offer, revived video
          await attempt(async () => {
            await r.offer({ ...base, sdp: twoStreams(20000), from: 'caller' });
            await r.answer({
              ...base,
              sdp: audioSdp({ port: 20010 }) + 'm=video 0 RTP/AVP 96\r\n',
              from: 'callee',
            });
            await r.offer({ ...base, sdp: twoStreams(20000, 2, true), from: 'caller' });
          });
          await r.delete(k);
          break;
        case 6: // late offer: offer in the 200 from the callee, answer in the ACK
          await attempt(async () => {
            await r.offer({ ...base, sdp: audioSdp({ port: 20002 }), from: 'callee' });
            await r.answer({ ...base, sdp: audioSdp({ port: 20000 }), from: 'caller' });
          });
          await r.delete(k);
          break;
        case 7: // a malformed re-offer in the middle of a call
          await attempt(async () => {
            await r.offer({ ...base, sdp: audioSdp({ port: 20000 }), from: 'caller' });
            await r.answer({ ...base, sdp: audioSdp({ port: 20002 }), from: 'callee' });
          });
          await attempt(() => r.offer({ ...base, sdp: 'v=0\r\nbroken', from: 'caller' }));
          await r.query(k.callId);
          await r.delete(k);
          break;
      }
      count(`case ${i % 8}`);
    }

    it(`returns to a full pool after ${CYCLES} cycles, with no socket left in any worker`, async (t) => {
      probe = await Phone.open();
      const full = (await r.usage()).portPairs.capacity;
      assert.equal(full, 100);

      // Run the range dry on purpose: 50 calls of two pairs each, then one more.
      const held = [];
      for (let i = 0; i < 50; i++) {
        const k = callKey('fill');
        await r.offer({ ...k, sdp: audioSdp({ port: 20000 }), from: 'caller', signallingAddress: LOOPBACK });
        await r.answer({ ...k, sdp: audioSdp({ port: 20002 }), from: 'callee', signallingAddress: LOOPBACK });
        held.push(k);
      }
      assert.equal((await r.usage()).portPairs.free, 0);
      await assert.rejects(
        r.offer({
          ...callKey('over'),
          sdp: audioSdp({ port: 20000 }),
          from: 'caller',
          signallingAddress: LOOPBACK,
        }),
        (e: unknown) => e instanceof RelayError && e.sipStatus === 503,
      );
      // Keep 20 of them (40 pairs) through what follows, so that the range is often short.
      await Promise.all(held.splice(20).map((k) => r.delete(k)));
      assert.equal((await r.usage()).portPairs.free, 60);

      // Thousands of cycles, CONCURRENCY at a time.
      const counts = new Map<string, number>();
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < CYCLES) await cycle(next++, counts);
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));

      await Promise.all(held.map((k) => r.delete(k)));
      const usage = await r.usage();
      assert.equal(usage.calls, 0);
      assert.deepEqual(usage.portPairs, { capacity: full, free: full, used: 0 });
      assert.deepEqual(
        usage.workers.map((w) => [w.calls, w.sockets]),
        [
          [0, 0],
          [0, 0],
        ],
      );
      for (let c = 0; c < 8; c++) assert.equal(counts.get(`case ${c}`), CYCLES / 8);
      t.diagnostic(JSON.stringify(Object.fromEntries([...counts].sort())));
      assert.ok((counts.get('refused 503') ?? 0) > 0, 'the range ran short during the cycles');
      assert.ok((counts.get('refused 500') ?? 0) >= CYCLES / 8, 'answers without an offer were refused');
      assert.equal(counts.get('refused 488'), CYCLES / 8, 'malformed re-offers were refused');
    });
  });
}
