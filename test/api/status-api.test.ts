import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogRoot } from '../../engine/log/index.js';
import type { Harness } from './api-harness.js';
import { startHarness } from './api-harness.js';

describe('health, registrations, calls and blocked addresses API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('health needs no password: 200 when every listener is up, else 503', async () => {
    const up = await h.call('GET', '/api/health', { auth: '' });
    assert.equal(up.status, 200);
    assert.deepEqual(await up.json(), { ok: true, listeners: h.sources.listeners });
    h.sources.ok = false;
    const down = await h.call('GET', '/api/health', { auth: '' });
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { ok: boolean }).ok, false);
    h.sources.ok = true;
  });

  it('passes registrations and calls through, behind the password', async () => {
    h.sources.regs = [
      {
        extension: '201',
        contact: 'sip:201@192.0.2.10:5060',
        source: '192.0.2.10:5060',
        transport: 'udp',
        userAgent: 'Yealink SIP-T46U',
        expires: 3599,
        expiresAt: '2030-01-01T00:00:00.000Z',
        registeredAt: '2030-01-01T00:00:00.000Z',
        reachable: null,
      },
    ];
    h.sources.callList = [{ id: 'c1' }];
    assert.deepEqual(await (await h.call('GET', '/api/registrations')).json(), h.sources.regs);
    assert.deepEqual(await (await h.call('GET', '/api/calls')).json(), [{ id: 'c1' }]);
    assert.equal((await h.call('GET', '/api/registrations', { auth: '' })).status, 401);
    assert.equal((await h.call('GET', '/api/calls', { auth: '' })).status, 401);
  });

  it('lists blocked addresses and lifts a block (IPv6 in the path, percent-encoded)', async () => {
    h.sources.blocked = [
      { address: '198.51.100.7', failures: 25, blockedUntil: '2030-01-01T00:00:00.000Z' },
      { address: '2001:db8::1', failures: 30, blockedUntil: null },
    ];
    assert.deepEqual(await (await h.call('GET', '/api/security/blocked')).json(), h.sources.blocked);
    assert.equal(
      (await h.call('DELETE', `/api/security/blocked/${encodeURIComponent('2001:db8::1')}`)).status,
      204,
    );
    assert.deepEqual(
      h.sources.blocked.map((b) => b.address),
      ['198.51.100.7'],
    );
    const again = await h.call('DELETE', '/api/security/blocked/2001:db8::1');
    assert.equal(again.status, 404);
    assert.deepEqual(await again.json(), {
      error: '2001:db8::1 is not blocked',
      code: 'NOT_BLOCKED',
      field: 'address',
    });
    assert.equal((await h.call('DELETE', '/api/security/blocked/%E0%A4%A')).status, 400);
  });
});

it('logs each request at debug under "api" with method, path, status and duration, never the query', async () => {
  const lines: string[] = [];
  const h = await startHarness({ logRoot: new LogRoot('debug', { write: (l) => lines.push(l) }) });
  try {
    await h.call('GET', '/api/users?search=secret-term');
    await h.call('GET', '/api/nothing');
  } finally {
    await h.close();
  }
  const requests = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.msg === 'request');
  assert.equal(requests.length, 2);
  assert.deepEqual(
    requests.map(({ level, cat, method, path, status }) => ({ level, cat, method, path, status })),
    [
      { level: 'debug', cat: 'api', method: 'GET', path: '/api/users', status: 200 },
      { level: 'debug', cat: 'api', method: 'GET', path: '/api/nothing', status: 404 },
    ],
  );
  assert.ok(requests.every((r) => typeof r.ms === 'number'));
  assert.ok(!lines.some((l) => l.includes('secret-term') || l.includes('correct horse')));
});
