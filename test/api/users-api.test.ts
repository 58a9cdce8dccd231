import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Harness } from './api-harness.js';
import { startHarness } from './api-harness.js';
import { tempDir } from '../store/temp-dir.js';

type Json = Record<string, unknown>;

describe('users API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(() => {
    for (const u of h.directory.list()) h.directory.delete(u.extension);
  });

  const post = (body: unknown) =>
    h.call('POST', '/api/users', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const put = (ext: string, body: unknown) =>
    h.call('PUT', `/api/users/${ext}`, { body: JSON.stringify(body) });

  it('creates a user (201) with a generated secret and PIN, shown once in the answer', async () => {
    const res = await post({ extension: '201', name: 'Anna Berg', email: 'anna@example.com' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), '/api/users/201');
    const u = (await res.json()) as Json;
    assert.equal(u.extension, '201');
    assert.match(String(u.secret), /^[A-HJ-NP-Za-km-z2-9]{16,}$/);
    assert.match(String(u.voicemailPin), /^\d{6}$/);
    assert.match(String(u.createdAt), /^\d{4}-\d\d-\d\dT/);
    assert.equal(h.directory.get('201')?.secret, u.secret, 'the directory map has it');
    const row = h.db.prepare('SELECT secret FROM users WHERE extension = ?').get('201') as { secret: string };
    assert.equal(row.secret, u.secret, 'SQLite has it');
  });

  it('reads, lists and searches users', async () => {
    await post({ extension: '201', name: 'Anna Berg' });
    await post({ extension: '202', name: 'Ben Cole', email: 'ben@example.com' });
    const one = await h.call('GET', '/api/users/201');
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as Json).name, 'Anna Berg');
    const all = (await (await h.call('GET', '/api/users')).json()) as Json[];
    assert.deepEqual(
      all.map((u) => u.extension),
      ['201', '202'],
    );
    const found = (await (await h.call('GET', '/api/users?search=example.COM')).json()) as Json[];
    assert.deepEqual(
      found.map((u) => u.extension),
      ['202'],
    );
    assert.equal((await h.call('GET', '/api/users/')).status, 200, 'a trailing slash is fine');
  });

  it('updates part of a user with PUT and keeps the rest', async () => {
    const created = (await (
      await post({ extension: '201', name: 'Anna', secret: 'initial-secret' })
    ).json()) as Json;
    const res = await put('201', { name: 'Anna Berg', voicemailPin: '9876' });
    assert.equal(res.status, 200);
    const u = (await res.json()) as Json;
    assert.equal(u.name, 'Anna Berg');
    assert.equal(u.voicemailPin, '9876');
    assert.equal(u.secret, 'initial-secret');
    assert.equal(u.createdAt, created.createdAt);
    // What GET returned may be sent back as is.
    const roundTrip = await put('201', { ...u, email: 'anna@example.com' });
    assert.equal(roundTrip.status, 200);
    assert.equal(h.directory.get('201')?.email, 'anna@example.com');
  });

  it('deletes a user (204), then it is gone (404)', async () => {
    await post({ extension: '201', name: 'Anna' });
    assert.equal((await h.call('DELETE', '/api/users/201')).status, 204);
    const gone = await h.call('GET', '/api/users/201');
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), {
      error: 'there is no extension 201',
      code: 'USER_NOT_FOUND',
      field: 'extension',
    });
    assert.equal((await h.call('DELETE', '/api/users/201')).status, 404);
    assert.equal((await put('201', { name: 'X' })).status, 404);
    assert.equal(h.directory.get('201'), undefined);
  });

  const INVALID: Array<[string, unknown, string, RegExp]> = [
    ['bad extension', { extension: '*12', name: 'A' }, 'extension', /\* or #/],
    ['missing name', { extension: '201' }, 'name', /name is required/],
    ['short secret', { extension: '201', name: 'A', secret: 'short' }, 'secret', /at least 8/],
    ['bad email', { extension: '201', name: 'A', email: 'not-an-address' }, 'email', /email/],
    ['bad pin', { extension: '201', name: 'A', voicemailPin: '12' }, 'voicemailPin', /4 to 12 digits/],
    ['unknown field', { extension: '201', name: 'A', role: 'boss' }, 'role', /unknown field "role"/],
  ];
  for (const [what, body, field, message] of INVALID) {
    it(`POST with ${what} → 400 naming ${field}`, async () => {
      const res = await post(body);
      assert.equal(res.status, 400);
      const err = (await res.json()) as Json;
      assert.equal(err.field, field);
      assert.match(String(err.error), message);
      assert.equal(h.directory.count(), 0);
    });
  }

  it('a duplicate extension → 409 naming the extension', async () => {
    await post({ extension: '201', name: 'Anna' });
    const res = await post({ extension: '201', name: 'Other' });
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), {
      error: 'extension 201 already exists',
      code: 'USER_EXISTS',
      field: 'extension',
    });
  });

  it('PUT refuses bad fields and moving the extension', async () => {
    await post({ extension: '201', name: 'Anna' });
    const bad = await put('201', { email: 'x@' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as Json).field, 'email');
    const move = await put('201', { extension: '202' });
    assert.equal(move.status, 400);
    assert.match(String(((await move.json()) as Json).error), /cannot be changed/);
  });

  it('bad bodies: invalid JSON names the cause, non-objects and empty bodies are refused', async () => {
    const broken = await h.call('POST', '/api/users', { body: '{"extension": "201",' });
    assert.equal(broken.status, 400);
    const e = (await broken.json()) as Json;
    assert.equal(e.code, 'BAD_JSON');
    assert.match(String(e.error), /^the request body is not valid JSON: .+/);
    assert.equal((await h.call('POST', '/api/users', { body: '[1,2]' })).status, 400);
    assert.equal(
      ((await (await h.call('POST', '/api/users', { body: '' })).json()) as Json).code,
      'EMPTY_BODY',
    );
  });

  it('a body over 1 MiB → 413', async () => {
    const res = await h.call('POST', '/api/users', {
      body: JSON.stringify({ extension: '201', name: 'x'.repeat(1024 * 1024) }),
    });
    assert.equal(res.status, 413);
    assert.match(String(((await res.json()) as Json).error), /1 MiB/);
    assert.equal(h.directory.count(), 0);
  });

  it('unknown routes → 404, wrong methods → 405 with Allow', async () => {
    const nf = await h.call('GET', '/api/nothing');
    assert.equal(nf.status, 404);
    assert.match(String(((await nf.json()) as Json).error), /\/api\/nothing/);
    const m1 = await h.call('PATCH', '/api/users');
    assert.equal(m1.status, 405);
    assert.equal(m1.headers.get('allow'), 'GET, POST');
    const m2 = await h.call('GET', '/api/users/import');
    assert.equal(m2.status, 405);
    assert.equal(m2.headers.get('allow'), 'POST');
    assert.equal((await h.call('POST', '/api/users/201')).headers.get('allow'), 'GET, PUT, DELETE');
  });

  it('answers carry the security headers', async () => {
    for (const res of [
      await h.call('GET', '/api/users'),
      await h.call('GET', '/api/nothing'),
      await h.call('GET', '/api/health', { auth: '' }),
    ]) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    }
  });
});

it('users API: the data survives restarting the server on the same database file', async () => {
  const tmp = tempDir();
  const first = await startHarness({ dir: tmp });
  const body = JSON.stringify({ extension: '201', name: 'Anna', secret: 'kept-secret-1' });
  assert.equal((await first.call('POST', '/api/users', { body })).status, 201);
  await first.close(true);
  const second = await startHarness({ dir: tmp });
  try {
    const u = (await (await second.call('GET', '/api/users/201')).json()) as Json;
    assert.equal(u.secret, 'kept-secret-1');
    assert.equal(second.directory.get('201')?.name, 'Anna');
  } finally {
    await second.close();
  }
});
