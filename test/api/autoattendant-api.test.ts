// The auto-attendant's configuration and the replaceable prompts over the running service's API: every
// validation rule answers 400 naming its field, a PUT round-trips and survives a restart, the AA's number
// cannot become a user's, a user the AA routes to cannot be deleted, and prompt uploads (44.1 kHz stereo)
// are stored as 8 kHz mono, served back, listed as custom and removed again.
import assert from 'node:assert/strict';
import { soxSine } from '../support/sox.js';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseWav } from '../../engine/media/audio/wav-file.js';
import { dominantFrequency } from '../support/audio-analysis.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';

interface ErrorBody {
  error: string;
  field?: string;
  code?: string;
}
type Config = Record<string, unknown> & { extension: string; digits: Record<string, unknown> };

describe('auto-attendant and prompts API', () => {
  let engine: RunningEngine;
  const dataDir = tempDir('aa-api');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);
  const args = ['--apps-rtp-ports', `${base}-${base + 9}`, '--time-zone', 'Europe/Berlin'];

  before(async () => {
    engine = await startEngine({ dataDir, args });
    for (const [extension, name] of [
      ['201', 'Anna'],
      ['202', 'Ben'],
    ] as const) {
      const r = await engine.api('POST', '/api/users', { extension, name });
      assert.equal(r.status, 201);
    }
  });

  after(async () => {
    await engine?.stop();
  });

  const auth = (): string => 'Basic ' + Buffer.from(`admin:${engine.password}`).toString('base64');

  it('has working defaults: extension 800, the shipped greetings, always open, the engine time zone', async () => {
    const r = await engine.api<Config>('GET', '/api/autoattendant');
    assert.equal(r.status, 200);
    assert.equal(r.body.extension, '800');
    assert.equal(r.body.enabled, true);
    assert.equal(r.body.greeting, 'aa-welcome');
    assert.equal(r.body.dialByExtension, true);
    assert.equal(r.body.operator, null);
    assert.equal(r.body.schedule, null);
    assert.equal(r.body.timeZone, null);
    assert.equal(r.body.effectiveTimeZone, 'Europe/Berlin');
    assert.equal((r.body.afterHours as { greeting: string }).greeting, 'aa-closed');
  });

  it('refuses every bad field with 400 naming it', async () => {
    const cases: Array<[unknown, string, RegExp?]> = [
      [
        { digits: { '3': { type: 'extension', extension: '205' } } },
        'digits.3',
        /extension 205 does not exist/,
      ],
      [{ digits: { '12': { type: 'hangup' } } }, 'digits.12'],
      [{ digits: { '#': { type: 'hangup' } } }, 'digits.#'],
      [{ digits: { '1': { type: 'ringGroup', group: 'sales' } } }, 'digits.1', /unknown destination type/],
      [{ digits: { '1': { type: 'operator' } } }, 'digits.1', /no operator/],
      [{ digits: { '1': { type: 'voicemail', extension: '999' } } }, 'digits.1'],
      [{ digits: { '1': { type: 'voicemail' } } }, 'digits.1', /needs "extension"/],
      [{ digits: [] }, 'digits'],
      [{ afterHours: { digits: { '2': { type: 'extension', extension: '777' } } } }, 'afterHours.digits.2'],
      [{ afterHours: { greeting: 'no-such-prompt' } }, 'afterHours.greeting'],
      [{ afterHours: { loud: true } }, 'afterHours.loud'],
      [{ afterHours: 'closed' }, 'afterHours'],
      [{ greeting: 'no-such-prompt' }, 'greeting', /no prompt/],
      [{ greeting: 5 }, 'greeting'],
      [{ extension: '201' }, 'extension', /user's extension/],
      [{ extension: '*800' }, 'extension'],
      [{ extension: '8' }, 'extension'],
      [{ operator: '999' }, 'operator', /does not exist/],
      [{ onTimeout: { type: 'extension', extension: '404' } }, 'onTimeout'],
      [{ onInvalid: 'hangup' }, 'onInvalid'],
      [{ timeoutSeconds: 0 }, 'timeoutSeconds'],
      [{ timeoutSeconds: '5' }, 'timeoutSeconds'],
      [{ maxTries: 2.5 }, 'maxTries'],
      [{ maxTries: 11 }, 'maxTries'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ dialByExtension: 1 }, 'dialByExtension'],
      [{ timeZone: 'Mars/Olympus' }, 'timeZone', /time zone/],
      [{ schedule: { mon: [{ from: '9:00', to: '17:00' }] } }, 'schedule.mon.0.from', /HH:MM/],
      [{ schedule: { mon: [{ from: '09:00', to: '24:30' }] } }, 'schedule.mon.0.to'],
      [{ schedule: { mon: [{ from: '17:00', to: '09:00' }] } }, 'schedule.mon.0.to', /later than/],
      [{ schedule: { mon: [{ from: '09:00', to: '09:00' }] } }, 'schedule.mon.0.to'],
      [{ schedule: { monday: [] } }, 'schedule.monday'],
      [{ schedule: { tue: 'all day' } }, 'schedule.tue'],
      [{ schedule: 'office hours' }, 'schedule'],
      [{ holidays: ['2025-02-30'] }, 'holidays.0'],
      [{ holidays: ['2025-12-25', 'xmas'] }, 'holidays.1'],
      [{ holidays: '2025-12-25' }, 'holidays'],
      [{ colour: 'blue' }, 'colour', /unknown field/],
    ];
    for (const [body, field, message] of cases) {
      const r = await engine.api<ErrorBody>('PUT', '/api/autoattendant', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.field, field, JSON.stringify(body));
      assert.ok(r.body.error.startsWith(`${field}: `), r.body.error);
      if (message) assert.match(r.body.error, message);
    }
    // Nothing of the refused changes was kept.
    const now = await engine.api<Config>('GET', '/api/autoattendant');
    assert.deepEqual(now.body.digits, {});
    const bad = await fetch(`${engine.baseUrl}/api/autoattendant`, {
      method: 'PUT',
      headers: { authorization: auth(), 'content-type': 'application/json' },
      body: '{"digits": ',
    });
    assert.equal(bad.status, 400);
  });

  const full = {
    extension: '850',
    enabled: true,
    greeting: 'aa-welcome',
    digits: {
      '1': { type: 'extension', extension: '201' },
      '2': { type: 'voicemail', extension: '202' },
      '9': { type: 'hangup' },
    },
    dialByExtension: true,
    operator: '202',
    onTimeout: { type: 'operator' },
    onInvalid: { type: 'hangup' },
    timeoutSeconds: 4,
    maxTries: 2,
    timeZone: 'America/New_York',
    schedule: {
      mon: [
        { from: '09:00', to: '12:00' },
        { from: '13:00', to: '17:30' },
      ],
      sat: [],
    },
    holidays: ['2025-12-25', '2025-01-01'],
    afterHours: {
      greeting: 'aa-closed',
      digits: { '0': { type: 'voicemail', extension: '201' } },
      dialByExtension: false,
      onTimeout: { type: 'hangup' },
      onInvalid: { type: 'operator' },
    },
  };

  it('round-trips a full configuration, and keeps it across a restart', async () => {
    const put = await engine.api<Config>('PUT', '/api/autoattendant', full);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const expected = {
      ...full,
      holidays: ['2025-01-01', '2025-12-25'],
      effectiveTimeZone: 'America/New_York',
    };
    assert.deepEqual(put.body, expected);
    assert.deepEqual((await engine.api<Config>('GET', '/api/autoattendant')).body, expected);
    // What GET returned can be sent back as is.
    const again = await engine.api<Config>('PUT', '/api/autoattendant', expected);
    assert.equal(again.status, 200);
    // A partial PUT changes only what it names.
    const partial = await engine.api<Config>('PUT', '/api/autoattendant', { maxTries: 3 });
    assert.equal(partial.body.maxTries, 3);
    assert.equal(partial.body.operator, '202');
    await engine.stop();
    engine = await startEngine({ dataDir, args });
    const after = await engine.api<Config>('GET', '/api/autoattendant');
    assert.deepEqual(after.body, { ...expected, maxTries: 3 });
  });

  it("refuses a user on the AA's number, and deleting a user the AA routes to", async () => {
    const taken = await engine.api<ErrorBody>('POST', '/api/users', { extension: '850', name: 'Clash' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.field, 'extension');
    assert.match(taken.body.error, /auto-attendant/);
    const csv = 'extension,name\n850,Clash\n';
    const imported = await engine.api<{ rows: ErrorBody[] }>('POST', '/api/users/import', csv);
    assert.equal(imported.status, 400);
    assert.equal(imported.body.rows[0]!.field, 'extension');

    const del = await engine.api<ErrorBody>('DELETE', '/api/users/201');
    assert.equal(del.status, 409);
    assert.equal(del.body.field, 'extension');
    assert.match(
      del.body.error,
      /extension 201 is used by the auto-attendant \(digit 1, after-hours digit 0\)/,
    );
    const op = await engine.api<ErrorBody>('DELETE', '/api/users/202');
    assert.equal(op.status, 409);
    assert.match(op.body.error, /operator/);
    assert.equal((await engine.api('GET', '/api/users/201')).status, 200, 'still there');

    // Once the AA no longer names it, the user can go; the old AA number is free again.
    const r = await engine.api<Config>('PUT', '/api/autoattendant', {
      extension: '800',
      digits: { '2': { type: 'voicemail', extension: '202' } },
      afterHours: { digits: {} },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await engine.api('DELETE', '/api/users/201')).status, 204);
    assert.equal((await engine.api('POST', '/api/users', { extension: '850', name: 'Free' })).status, 201);
    assert.equal((await engine.api('POST', '/api/users', { extension: '201', name: 'Anna' })).status, 201);
  });

  it('lists prompts with custom: false until one is uploaded', async () => {
    const r = await engine.api<Array<{ name: string; custom: boolean; shipped: boolean }>>(
      'GET',
      '/api/prompts',
    );
    assert.equal(r.status, 200);
    assert.ok(r.body.length > 100);
    assert.deepEqual(
      r.body.find((p) => p.name === 'aa-welcome'),
      { name: 'aa-welcome', custom: false, shipped: true },
    );
    assert.ok(r.body.every((p) => !p.custom));
  });

  it('takes a 44.1 kHz stereo WAV, serves it back as 8 kHz mono, and DELETE brings the shipped one back', async () => {
    const file = path.join(tempDir('aa-upload'), 'stereo.wav');
    soxSine(file, { hz: 600, seconds: 2, rate: 44100, channels: 2, volume: 0.5 });
    const put = await fetch(`${engine.baseUrl}/api/prompts/aa-welcome`, {
      method: 'PUT',
      headers: { authorization: auth(), 'content-type': 'audio/wav' },
      body: fs.readFileSync(file),
    });
    assert.equal(put.status, 200, await put.clone().text());
    const view = (await put.json()) as { name: string; custom: boolean; seconds: number };
    assert.equal(view.custom, true);
    assert.ok(Math.abs(view.seconds - 2) < 0.05, `${view.seconds}`);
    const stored = path.join(dataDir, 'prompts', 'en', 'aa-welcome.wav');
    assert.ok(fs.existsSync(stored));

    const audio = await fetch(`${engine.baseUrl}/api/prompts/aa-welcome/audio`, {
      headers: { authorization: auth() },
    });
    assert.equal(audio.status, 200);
    assert.equal(audio.headers.get('content-type'), 'audio/wav');
    const bytes = Buffer.from(await audio.arrayBuffer());
    assert.equal(bytes.readUInt16LE(22), 1, 'mono');
    assert.equal(bytes.readUInt16LE(34), 16, '16-bit');
    const wav = parseWav(bytes);
    assert.equal(wav.sampleRate, 8000);
    assert.ok(Math.abs(wav.samples.length - 16000) < 50);
    assert.equal(dominantFrequency(wav.samples.subarray(4000, 12000), 8000), 600);
    const list = await engine.api<Array<{ name: string; custom: boolean }>>('GET', '/api/prompts');
    assert.equal(list.body.find((p) => p.name === 'aa-welcome')!.custom, true);

    assert.equal((await engine.api('DELETE', '/api/prompts/aa-welcome')).status, 204);
    assert.ok(!fs.existsSync(stored));
    const shipped = await fetch(`${engine.baseUrl}/api/prompts/aa-welcome/audio`, {
      headers: { authorization: auth() },
    });
    const back = parseWav(Buffer.from(await shipped.arrayBuffer()));
    assert.notEqual(
      dominantFrequency(back.samples.subarray(4000, 12000), 8000),
      600,
      'the spoken prompt again',
    );
  });

  it('refuses bad uploads and unknown prompts, naming the field', async () => {
    const upload = (name: string, body: Buffer): Promise<Response> =>
      fetch(`${engine.baseUrl}/api/prompts/${name}`, {
        method: 'PUT',
        headers: { authorization: auth(), 'content-type': 'audio/wav' },
        body,
      });
    const dir = tempDir('aa-bad-upload');
    const tiny = path.join(dir, 'tiny.wav');
    soxSine(tiny, { hz: 500, seconds: 0.05 });
    const long = path.join(dir, 'long.wav');
    soxSine(long, { hz: 500, seconds: 301, encoding: 'u-law' });
    const cases: Array<[string, Buffer, number, string, RegExp]> = [
      ['aa-welcome', Buffer.from('this is not audio'), 400, 'audio', /not a WAV/],
      ['aa-welcome', Buffer.alloc(0), 400, 'audio', /empty/],
      ['aa-welcome', fs.readFileSync(tiny), 400, 'audio', /too short/],
      ['aa-welcome', fs.readFileSync(long), 400, 'audio', /at most 300 s/],
      ['no-such-prompt', fs.readFileSync(tiny), 404, 'name', /no-such-prompt/],
      ['..%2Fsecret', fs.readFileSync(tiny), 404, 'name', /no prompt/],
    ];
    for (const [name, body, status, field, message] of cases) {
      const r = await upload(name, body);
      const json = (await r.json()) as ErrorBody;
      assert.equal(r.status, status, `${name}: ${JSON.stringify(json)}`);
      assert.equal(json.field, field);
      assert.match(json.error, message);
    }
    for (const [method, url] of [
      ['GET', '/api/prompts/no-such-prompt/audio'],
      ['DELETE', '/api/prompts/no-such-prompt'],
    ] as const) {
      const r = await engine.api<ErrorBody>(method, url);
      assert.equal(r.status, 404, url);
      assert.equal(r.body.field, 'name');
    }
    // A μ-law upload of a sensible length is fine.
    const ulaw = path.join(dir, 'ulaw.wav');
    soxSine(ulaw, { hz: 500, seconds: 1, encoding: 'u-law' });
    assert.equal((await upload('goodbye', fs.readFileSync(ulaw))).status, 200);
    assert.equal((await engine.api('DELETE', '/api/prompts/goodbye')).status, 204);
  });
});
