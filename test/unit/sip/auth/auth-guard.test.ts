/** Slowing down and blocking password guessing per source address. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthGuard } from '../../../../engine/sip/auth/auth-guard.js';

const T0 = Date.UTC(2025, 0, 1);
const ADDR = '198.51.100.7';

function guard(o: Partial<ConstructorParameters<typeof AuthGuard>[0]> = {}): AuthGuard {
  return new AuthGuard({ slowAfter: 3, blockAfter: 6, blockSeconds: 600, windowSeconds: 300, ...o });
}

describe('AuthGuard', () => {
  it('failures up to slowAfter MUST be answered without delay', () => {
    const g = guard();
    assert.deepEqual(
      [1, 2, 3].map(() => g.recordFailure(ADDR, T0)),
      [0, 0, 0],
    );
  });

  it('each failure past slowAfter MUST delay the answer 250 ms more, up to 5 s', () => {
    const g = guard({ slowAfter: 2, blockAfter: 100 });
    const delays = Array.from({ length: 25 }, () => g.recordFailure(ADDR, T0));
    assert.deepEqual(delays.slice(0, 6), [0, 0, 250, 500, 750, 1000]);
    assert.equal(Math.max(...delays), 5000);
    assert.equal(delays.at(-1), 5000);
  });

  it('the blockAfter-th failure MUST block the address (-1) for blockSeconds', () => {
    const g = guard();
    const results = Array.from({ length: 6 }, () => g.recordFailure(ADDR, T0));
    assert.deepEqual(results, [0, 0, 0, 250, 500, -1]);
    assert.equal(g.isBlocked(ADDR, T0), true);
    assert.equal(g.isBlocked(ADDR, T0 + 600_000 - 1), true);
  });

  it('a block MUST NOT affect other addresses', () => {
    const g = guard();
    for (let i = 0; i < 6; i++) g.recordFailure(ADDR, T0);
    assert.equal(g.isBlocked('198.51.100.8', T0), false);
    assert.equal(g.recordFailure('198.51.100.8', T0), 0);
  });

  it('a block MUST run out after blockSeconds, and the address MUST start afresh', () => {
    const g = guard();
    for (let i = 0; i < 6; i++) g.recordFailure(ADDR, T0);
    assert.equal(g.isBlocked(ADDR, T0 + 600_000), false);
    assert.equal(g.recordFailure(ADDR, T0 + 600_001), 0, 'the count restarted');
    assert.equal(g.isBlocked(ADDR, T0 + 600_001), false);
  });

  it('a success MUST clear the failures of an address that is not blocked', () => {
    const g = guard();
    for (let i = 0; i < 5; i++) g.recordFailure(ADDR, T0);
    g.recordSuccess(ADDR);
    assert.equal(g.recordFailure(ADDR, T0), 0);
    assert.deepEqual(g.list(T0)[0]?.failures, 1);
  });

  it('a success MUST NOT lift a block', () => {
    const g = guard();
    for (let i = 0; i < 6; i++) g.recordFailure(ADDR, T0);
    g.recordSuccess(ADDR);
    assert.equal(g.isBlocked(ADDR, T0 + 1), true);
  });

  it('failures older than the window MUST be forgotten', () => {
    const g = guard();
    for (let i = 0; i < 5; i++) g.recordFailure(ADDR, T0);
    assert.equal(g.recordFailure(ADDR, T0 + 300_001), 0);
    assert.equal(g.list(T0 + 300_001)[0]?.failures, 1);
  });

  it('zero thresholds MUST disable slowing down and blocking', () => {
    const g = guard({ slowAfter: 0, blockAfter: 0 });
    const results = Array.from({ length: 50 }, () => g.recordFailure(ADDR, T0));
    assert.ok(results.every((r) => r === 0));
    assert.equal(g.isBlocked(ADDR, T0), false);
  });

  it('list() MUST show blocked addresses with the end of the block, and recent failures with null', () => {
    const g = guard();
    for (let i = 0; i < 6; i++) g.recordFailure(ADDR, T0);
    g.recordFailure('198.51.100.8', T0);
    assert.deepEqual(g.list(T0 + 1000), [
      { address: ADDR, failures: 6, blockedUntil: new Date(T0 + 600_000).toISOString() },
      { address: '198.51.100.8', failures: 1, blockedUntil: null },
    ]);
  });

  it('list() MUST leave out blocks that ran out and failures past the window', () => {
    const g = guard();
    for (let i = 0; i < 6; i++) g.recordFailure(ADDR, T0);
    g.recordFailure('198.51.100.8', T0);
    assert.deepEqual(g.list(T0 + 600_000), []);
  });

  it('unblock() MUST lift a block and report whether the address was known', () => {
    const g = guard();
    for (let i = 0; i < 6; i++) g.recordFailure(ADDR, T0);
    assert.equal(g.unblock(ADDR), true);
    assert.equal(g.isBlocked(ADDR, T0 + 1), false);
    assert.deepEqual(g.list(T0 + 1), []);
    assert.equal(g.unblock(ADDR), false);
    assert.equal(g.unblock('203.0.113.1'), false);
  });
});
