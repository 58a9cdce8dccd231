import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { freePort } from '../support/ports.js';
import { registerArgs, runSipp } from '../support/sipp.js';

interface Stream {
  status: number;
  /** Resolves with the topics of the next `change` event that mentions `topic`. */
  next(topic: string, timeoutMs?: number): Promise<string[]>;
  close(): void;
}

/** Opens `/api/events` as the console's EventSource does, and reads the event stream. */
function openEvents(pbx: RunningEngine, auth: string | undefined): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (auth) headers.authorization = auth;
    const req = http.get({ host: '127.0.0.1', port: pbx.httpPort, path: '/api/events', headers }, (res) => {
      let buffer = '';
      const events: string[][] = [];
      let wake: (() => void) | undefined;
      res.on('data', (d: Buffer) => {
        buffer += d.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type === 'change' && data) events.push((JSON.parse(data) as { topics: string[] }).topics);
          if (type === 'hello') events.push(['hello']);
          wake?.();
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        next: async (topic, timeoutMs = 5000) => {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const i = events.findIndex((t) => t.includes(topic));
            if (i >= 0) return events.splice(0, i + 1)[i]!;
            const left = deadline - Date.now();
            if (left <= 0)
              throw new Error(`no "${topic}" event within ${timeoutMs} ms (got ${JSON.stringify(events)})`);
            await new Promise<void>((r) => {
              wake = r;
              setTimeout(r, left);
            });
          }
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

describe('live events for the console (server-sent events)', () => {
  let pbx: RunningEngine;
  const auth = () => 'Basic ' + Buffer.from(`admin:${pbx.password}`).toString('base64');
  before(async () => {
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
  });
  after(() => pbx.stop());

  it('needs a login', async () => {
    const s = await openEvents(pbx, undefined);
    assert.equal(s.status, 401);
    s.close();
  });

  it('tells the console when users, registrations and the status change, one event per burst', async () => {
    const s = await openEvents(pbx, auth());
    try {
      assert.equal(s.status, 200);
      await s.next('hello');
      for (const ext of ['301', '302', '303'])
        assert.equal(
          (await pbx.api('POST', '/api/users', { extension: ext, name: ext, secret: `pw-${ext}-secret` }))
            .status,
          201,
        );
      const topics = await s.next('users');
      assert.ok(topics.includes('status'), `status too: ${topics.join(',')}`);
      // The three creations fall in one coalescing window: no second 'users' event follows.
      await assert.rejects(s.next('users', 600));
      const reg = await runSipp(
        registerArgs(
          `127.0.0.1:${pbx.sipPort}`,
          { user: '301', password: 'pw-301-secret' },
          await freePort(),
        ),
        15,
      );
      assert.equal(reg.code, 0, reg.stderr);
      await s.next('registrations');
    } finally {
      s.close();
    }
  });
});
