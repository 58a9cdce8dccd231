import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tempDir } from '../store/temp-dir.js';
import { basic, PASSWORD, startHarness } from './api-harness.js';

describe('API authentication', () => {
  it('without an admin password: health answers, everything else says how to set one', async () => {
    const h = await startHarness({ password: undefined });
    try {
      assert.equal((await h.call('GET', '/api/health', { auth: '' })).status, 200);
      const res = await h.call('GET', '/api/users', { auth: basic('admin', 'anything') });
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: string; code: string };
      assert.equal(body.code, 'NO_ADMIN_PASSWORD');
      assert.match(body.error, /--admin-password/);
      assert.match(body.error, /PBX_ADMIN_PASSWORD/);
    } finally {
      await h.close();
    }
  });

  it('needs credentials, refuses wrong ones, accepts the right ones', async () => {
    const h = await startHarness();
    try {
      const none = await h.call('GET', '/api/users', { auth: '' });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      assert.match(((await none.json()) as { error: string }).error, /admin password/);

      const wrong = await h.call('GET', '/api/users', { auth: basic('admin', 'not it') });
      assert.equal(wrong.status, 401);
      assert.match(((await wrong.json()) as { error: string }).error, /wrong user name or password/);
      assert.equal((await h.call('GET', '/api/users', { auth: basic('root', PASSWORD) })).status, 401);
      assert.equal((await h.call('GET', '/api/users', { auth: 'Basic !!!' })).status, 401);
      assert.equal((await h.call('GET', '/api/users', { auth: 'Bearer x' })).status, 401);

      const right = await h.call('GET', '/api/users');
      assert.equal(right.status, 200);
      assert.deepEqual(await right.json(), []);
      // A second request is answered from the verification cache (and must still pass).
      assert.equal((await h.call('GET', '/api/users')).status, 200);
      const parallel = await Promise.all([1, 2, 3, 4].map(() => h.call('GET', '/api/calls')));
      assert.deepEqual(
        parallel.map((r) => r.status),
        [200, 200, 200, 200],
      );
      // The wrong password must keep failing after the right one was cached.
      assert.equal((await h.call('GET', '/api/users', { auth: basic('admin', 'not it') })).status, 401);
    } finally {
      await h.close();
    }
  });

  it('stores the password only as a salted scrypt hash, and the first-run value never overrides it', async () => {
    const tmp = tempDir();
    const first = await startHarness({ dir: tmp });
    const hash = first.settings.get('admin.passwordHash') ?? '';
    assert.match(hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!hash.includes(PASSWORD));
    await first.close(true);

    const second = await startHarness({ dir: tmp, password: 'a different password' });
    try {
      assert.equal(second.settings.get('admin.passwordHash'), hash);
      assert.equal((await second.call('GET', '/api/users')).status, 200);
      assert.equal(
        (await second.call('GET', '/api/users', { auth: basic('admin', 'a different password') })).status,
        401,
      );
    } finally {
      await second.close();
    }
  });

  it('refuses changes requested from another web site', async () => {
    const h = await startHarness();
    try {
      const body = JSON.stringify({ extension: '201', name: 'Anna' });
      const cross = await h.call('POST', '/api/users', { body, headers: { origin: 'http://evil.example' } });
      assert.equal(cross.status, 403);
      assert.equal(h.directory.count(), 0);
      const same = await h.call('POST', '/api/users', { body, headers: { origin: h.base } });
      assert.equal(same.status, 201);
    } finally {
      await h.close();
    }
  });
});
