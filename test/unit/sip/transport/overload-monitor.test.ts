/** When the server sheds load (RFC 3261 §21.5.4) and when it stops. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OverloadMonitor } from '../../../../engine/sip/transport/overload-monitor.js';

describe('OverloadMonitor', () => {
  it('starts shedding when the lag is past its limit twice in a row, not for one stall', () => {
    const m = new OverloadMonitor({ maxLagMs: 100, maxServerTransactions: 0, retryAfterSeconds: 5 }, () => 0);
    m.evaluate(80);
    m.evaluate(1000);
    assert.equal(m.shedding, false, 'a single late check');
    m.evaluate(10);
    m.evaluate(150);
    assert.equal(m.shedding, false);
    m.evaluate(150);
    assert.equal(m.shedding, true);
    m.evaluate(60);
    assert.equal(m.shedding, true, 'still above half the limit');
    m.evaluate(10);
    assert.equal(m.shedding, false);
    assert.equal(m.stats.episodes, 1);
  });

  it('starts past the transaction limit and stops under 90% of it', () => {
    let tx = 0;
    const m = new OverloadMonitor(
      { maxLagMs: 0, maxServerTransactions: 1000, retryAfterSeconds: 5 },
      () => tx,
    );
    tx = 1001;
    m.evaluate(10_000);
    assert.equal(m.shedding, true);
    tx = 950;
    m.evaluate(0);
    assert.equal(m.shedding, true);
    tx = 899;
    m.evaluate(0);
    assert.equal(m.shedding, false);
  });

  it('with both limits at 0 is off', () => {
    const m = new OverloadMonitor({ maxLagMs: 0, maxServerTransactions: 0, retryAfterSeconds: 5 }, () => 1e9);
    assert.equal(m.enabled, false);
    m.evaluate(1e6);
    assert.equal(m.shedding, false);
  });
});
