/** The relay's port pairs (RTP even, RTCP = RTP + 1, RFC 3550 §11) from `--rtp-ports A-B`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PortPool } from '../../engine/media/index.js';

describe('PortPool', () => {
  it('hands out even RTP ports whose RTCP port is still inside the range', () => {
    const pool = new PortPool(10001, 10008); // pairs 10002/3, 10004/5, 10006/7 (10008 has no partner)
    assert.equal(pool.capacity, 3);
    assert.deepEqual(
      [pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()],
      [10002, 10004, 10006, undefined],
    );
  });

  it('reuses a released pair as late as possible (FIFO)', () => {
    const pool = new PortPool(20000, 20007);
    const a = pool.allocate()!;
    pool.release(a);
    assert.deepEqual(
      [pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()],
      [20002, 20004, 20006, 20000],
    );
  });

  it('refuses to release a pair twice, or one it never gave out', () => {
    const pool = new PortPool(20000, 20003);
    const a = pool.allocate()!;
    assert.equal(pool.release(a), true);
    assert.equal(pool.release(a), false);
    assert.equal(pool.release(20001), false, 'an RTCP port is not a pair');
    assert.equal(pool.release(30000), false);
    assert.equal(pool.available, pool.capacity);
    assert.deepEqual([pool.allocate(), pool.allocate(), pool.allocate()], [20002, 20000, undefined]);
  });

  it('rejects a range without a pair', () => {
    assert.throws(() => new PortPool(10001, 10001), RangeError);
    assert.throws(() => new PortPool(20000, 10000), RangeError);
    assert.throws(() => new PortPool(0, 70000), RangeError);
  });
});
