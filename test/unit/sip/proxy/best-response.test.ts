/**
 * Choosing the response to forward when no branch answered 2xx (RFC 3261 §16.7 step 6). Tested against the
 * rank table in best-response.ts as written: 6xx, 3xx, 486, 401/407, other 4xx, 480, 408, 487, 5xx.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponseMessage, type SipResponse } from '../../../../engine/sip/message/sip-message.js';
import { pickBest } from '../../../../engine/sip/proxy/best-response.js';

function res(status: number, reason = `R${status}`): SipResponse {
  return createResponseMessage(status, reason);
}

function best(...statuses: number[]): number | undefined {
  return pickBest(statuses.map((s) => res(s)))?.status;
}

describe('pickBest (RFC 3261 §16.7 step 6)', () => {
  it('with no final responses there is nothing to choose', () => {
    assert.equal(pickBest([]), undefined);
  });

  it('a single response MUST be chosen', () => {
    for (const s of [300, 404, 486, 500, 603]) assert.equal(best(s), s);
  });

  it('a 6xx MUST be chosen over every other response', () => {
    assert.equal(best(302, 401, 486, 603, 500), 603);
    assert.equal(best(600, 302), 600);
  });

  it('otherwise the lowest class SHOULD be chosen: 3xx over 4xx over 5xx', () => {
    assert.equal(best(486, 302, 500), 302);
    assert.equal(best(500, 404), 404);
    assert.equal(best(503, 480, 408), 480);
  });

  it('within 4xx, responses the caller can act on (401, 407, 415, 420, 484) SHOULD be preferred, even to 486', () => {
    assert.equal(best(407, 486), 407);
    assert.equal(best(486, 401), 401);
    assert.equal(best(486, 484), 484);
    assert.equal(best(404, 420), 420);
    assert.equal(best(404, 415), 415);
  });

  it('within 4xx, a challenge (401/407) is preferred to other client errors (§16.7 step 6: resubmission)', () => {
    assert.equal(best(404, 407), 407);
    assert.equal(best(403, 401), 401);
  });

  it('other client errors are preferred to 480, 480 to 408, and 408 to 487', () => {
    assert.equal(best(480, 404), 404);
    assert.equal(best(408, 480), 480);
    assert.equal(best(487, 408), 408);
    assert.equal(best(487, 488), 488);
  });

  it('the whole order, best first, as the rank table defines it', () => {
    const order = [603, 302, 401, 486, 403, 480, 408, 487, 500];
    for (let i = 0; i < order.length; i++)
      for (let j = i + 1; j < order.length; j++)
        assert.equal(best(order[j]!, order[i]!), order[i], `${order[i]} over ${order[j]}`);
  });

  it('between equally ranked responses the lower status code is chosen', () => {
    assert.equal(best(404, 403), 403);
    assert.equal(best(603, 600), 600);
    assert.equal(best(503, 500), 500);
    assert.equal(best(401, 407), 401);
  });

  it('among identical status codes the first received is kept', () => {
    const first = res(486, 'first');
    const second = res(486, 'second');
    assert.equal(pickBest([first, second]), first);
  });

  it('the choice does not depend on arrival order', () => {
    const statuses = [500, 480, 404, 408, 487, 407];
    assert.equal(best(...statuses), best(...[...statuses].reverse()));
  });
});
