import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SessionStore } from '../../engine/http/sessions.js';
import { basic, PASSWORD, startHarness, type Harness } from './api-harness.js';
import { tempDir } from '../store/temp-dir.js';

/** The cookie a response set, as a `Cookie` request header value. */
function cookieOf(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0] ?? '';
}

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
  auth: '',
});

describe('console API: first-run setup', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ password: undefined });
  });
  after(() => h.close());

  it('asks for setup, names the wrong field, then logs the admin in with a session cookie', async () => {
    const state = (await (await h.call('GET', '/api/session', { auth: '' })).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(state, { authenticated: false, setupNeeded: true });
    const info = (await (await h.call('GET', '/api/setup', { auth: '' })).json()) as {
      interfaces: unknown[];
    };
    assert.ok(info.interfaces.length >= 1, 'the PC’s addresses are offered');

    let r = await h.call('POST', '/api/setup', json({ password: 'short', advertise: '127.0.0.1' }));
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { field: string }).field, 'password');
    r = await h.call('POST', '/api/setup', json({ password: 'long enough pw', advertise: 'my-pc' }));
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { field: string }).field, 'advertise');
    assert.equal((await h.call('GET', '/api/users')).status, 401, 'still no password');

    r = await h.call('POST', '/api/setup', json({ password: 'long enough pw', advertise: '127.0.0.1' }));
    assert.equal(r.status, 200);
    const setCookie = r.headers.get('set-cookie') ?? '';
    assert.match(
      setCookie,
      /^pbx_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    assert.equal(h.settings.get('network.advertise'), '127.0.0.1');
    const cookie = cookieOf(r);
    assert.equal((await h.call('GET', '/api/users', { auth: '', headers: { cookie } })).status, 200);
    assert.equal((await h.call('GET', '/api/users', { auth: basic('admin', 'long enough pw') })).status, 200);

    r = await h.call('POST', '/api/setup', json({ password: 'another password', advertise: '127.0.0.1' }));
    assert.equal(r.status, 409, 'the wizard cannot run twice');
    assert.equal(
      (await h.call('GET', '/api/users', { auth: basic('admin', 'another password') })).status,
      401,
    );
  });
});

describe('console API: login, logout, sessions', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('logs in with the admin password, and the session ends on logout', async () => {
    let r = await h.call('POST', '/api/session', json({ password: PASSWORD }));
    assert.equal(r.status, 200);
    const cookie = cookieOf(r);
    const state = await (await h.call('GET', '/api/session', { auth: '', headers: { cookie } })).json();
    assert.deepEqual(state, { authenticated: true, setupNeeded: false });
    assert.equal((await h.call('GET', '/api/users', { auth: '', headers: { cookie } })).status, 200);
    r = await h.call('DELETE', '/api/session', { auth: '', headers: { cookie } });
    assert.match(r.headers.get('set-cookie') ?? '', /Max-Age=0/);
    r = await h.call('GET', '/api/users', { auth: '', headers: { cookie, 'x-pbx-console': '1' } });
    assert.equal(r.status, 401);
    assert.equal(
      r.headers.get('www-authenticate'),
      null,
      'no Basic challenge: the browser must not pop up a box',
    );
    assert.equal(((await r.json()) as { code: string }).code, 'SESSION_REQUIRED');
    const forged = 'pbx_session=' + 'A'.repeat(43);
    assert.equal((await h.call('GET', '/api/users', { auth: '', headers: { cookie: forged } })).status, 401);
  });

  it('names the password field when it is wrong, and locks an address out after 5 wrong tries', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await h.call('POST', '/api/session', json({ password: `wrong-${i}` }));
      assert.equal(r.status, 401);
      assert.deepEqual(await r.json(), {
        error: 'that is not the admin password',
        code: 'WRONG_PASSWORD',
        field: 'password',
      });
    }
    const r = await h.call('POST', '/api/session', json({ password: PASSWORD }));
    assert.equal(r.status, 429, 'even the right password waits out the lock');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    assert.match(((await r.json()) as { error: string }).error, /too many wrong passwords: wait \d+ s/);
  });

  it('refuses a login posted from another web site', async () => {
    const r = await h.call('POST', '/api/session', {
      ...json({ password: PASSWORD }),
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    });
    assert.equal(r.status, 403);
  });
});

describe('SessionStore', () => {
  it('ends a session after the idle time, at the maximum age, and drops the least recently used', () => {
    let now = 0;
    const s = new SessionStore({ idleMs: 1000, maxAgeMs: 5000, maxSessions: 2, now: () => now });
    const a = s.create();
    now = 900;
    assert.equal(s.touch(a), true);
    now = 1800;
    assert.equal(s.touch(a), true, 'used 900 ms ago: still alive');
    now = 2900;
    assert.equal(s.touch(a), false, 'idle for 1100 ms: gone');
    const b = s.create();
    for (now = 3000; now < 7900; now += 500) assert.equal(s.touch(b), true);
    now = 8000;
    assert.equal(s.touch(b), false, 'older than the maximum age even though in use');
    const c = s.create();
    const d = s.create();
    assert.equal(s.touch(c), true);
    s.create();
    assert.equal(s.touch(d), false, 'the least recently used session made room');
    assert.equal(s.touch(c), true);
    s.endAll();
    assert.equal(s.touch(c), false);
  });
});

describe('console files', () => {
  let h: Harness;
  let root: ReturnType<typeof tempDir>;
  before(async () => {
    root = tempDir();
    fs.mkdirSync(root.file('console/assets'), { recursive: true });
    fs.writeFileSync(root.file('console/index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(root.file('console/assets/app-123.js'), 'console.log(1)');
    fs.writeFileSync(root.file('console/.env'), 'SECRET=1');
    fs.writeFileSync(root.file('secret.txt'), 'top secret');
    h = await startHarness({ consoleDir: root.file('console') });
  });
  after(async () => {
    await h.close();
    root.remove();
  });

  /** Raw GET so that `..` reaches the server as written (fetch would normalise the path). */
  function rawGet(
    p: string,
    method = 'GET',
  ): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    const url = new URL(h.base);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: p, method }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves the console, its assets, and index.html for its own page addresses', async () => {
    const index = await rawGet('/');
    assert.equal(index.status, 200);
    assert.match(index.body, /<title>console/);
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    const page = await rawGet('/calls/12');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>console/);
    const asset = await rawGet('/assets/app-123.js');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['content-type']), /^text\/javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await rawGet('/assets/missing.js')).status, 404);
    assert.equal((await rawGet('/', 'POST')).status, 405);
    assert.equal((await rawGet('/api/nothing')).status, 404, 'the API keeps its own 404');
  });

  it('never serves anything outside the console folder or hidden files', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/.env',
      '/%2eenv',
      '/assets/%00.js',
    ]) {
      const r = await rawGet(p);
      assert.ok(!r.body.includes('top secret') && !r.body.includes('SECRET=1'), `${p} leaked a file`);
    }
  });
});

describe('console API: call records by id, call traces, status', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('reads one call record by id, and names the problem otherwise', async () => {
    const rec = h.cdr!.insert({
      callId: 'c1@x',
      caller: '201',
      callee: '202',
      start: Date.parse('2026-11-24T10:00:00Z'),
      answer: Date.parse('2026-11-24T10:00:02Z'),
      end: Date.parse('2026-11-24T10:01:02Z'),
      disposition: 'ANSWERED',
      status: 200,
    });
    const r = await h.call('GET', `/api/cdr/${rec.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), rec);
    const missing = await h.call('GET', '/api/cdr/999999');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { field: string }).field, 'id');
    const bad = await h.call('GET', '/api/cdr/abc');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /^id: "abc" is not a call record number/);
  });

  it('answers a call’s SIP messages, or says why there are none', async () => {
    h.sources.traces.set('a b@host', [{ summary: 'INVITE sip:202@pbx' }]);
    const r = await h.call('GET', `/api/calls/${encodeURIComponent('a b@host')}/trace`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { callId: 'a b@host', messages: [{ summary: 'INVITE sip:202@pbx' }] });
    const none = await h.call('GET', '/api/calls/unknown/trace');
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: string }).error, /only the most recent calls keep theirs/);
  });

  it('answers the dashboard summary from the engine', async () => {
    h.sources.statusView = { ok: true, users: 3 };
    assert.deepEqual(await (await h.call('GET', '/api/status')).json(), { ok: true, users: 3 });
    assert.equal((await h.call('GET', '/api/status', { auth: '' })).status, 401);
  });
});
