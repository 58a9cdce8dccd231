import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CDR_CSV_COLUMNS,
  cdrCsvCells,
  formatCdrCsv,
  parseCsv,
  unguardFormula,
} from '../../engine/csv/index.js';
import type { StreamStats } from '../../engine/media/relay-driver.js';
import type { CdrRecord, CdrRepository, NewCdr } from '../../engine/store/index.js';
import type { Harness } from './api-harness.js';
import { startHarness } from './api-harness.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0); // 2026-11-24T09:00:00Z

interface Page {
  records: CdrRecord[];
  nextCursor: string | null;
  total: number;
}
interface ErrorBody {
  error: string;
  code: string;
  field?: string;
}

const oneWay: StreamStats[] = [
  {
    index: 0,
    media: 'audio',
    codec: 'PCMU',
    callerToCallee: { packets: 0, bytes: 0, lost: 0, jitterMs: 0, source: null },
    calleeToCaller: { packets: 2990, bytes: 514_280, lost: 12, jitterMs: 3.25, source: '192.168.1.31:16384' },
  },
];

/** Six calls a minute apart, newest last. */
const SEED: NewCdr[] = [
  {
    callId: 'c1',
    caller: '201',
    callee: '202',
    start: T0,
    answer: T0 + 3000,
    end: T0 + 63_000,
    disposition: 'ANSWERED',
    status: 200,
    endReason: 'caller hung up',
    media: oneWay,
  },
  {
    callId: 'c2',
    caller: '202',
    callee: '201',
    start: T0 + 60_000,
    end: T0 + 65_000,
    disposition: 'BUSY',
    status: 486,
    endReason: '486 Busy Here',
  },
  {
    callId: 'c3',
    caller: '203',
    callee: '201',
    start: T0 + 120_000,
    end: T0 + 150_000,
    disposition: 'NO ANSWER',
    status: 487,
    endReason: '487 Request Terminated',
  },
  {
    callId: 'c4',
    caller: '201',
    callee: '*97',
    start: T0 + 180_000,
    answer: T0 + 180_500,
    end: T0 + 200_000,
    disposition: 'VOICEMAIL',
    status: 200,
    endReason: 'caller hung up',
  },
  {
    callId: 'c5',
    caller: '=HYPERLINK("x")',
    callee: '204',
    start: T0 + 240_000,
    end: T0 + 240_100,
    disposition: 'FAILED',
    status: 404,
    endReason: '404 Not Found, "no such extension"',
  },
  {
    callId: 'c6',
    caller: '+4930123456',
    callee: '201',
    start: T0 + 300_000,
    answer: T0 + 302_000,
    end: T0 + 400_000,
    disposition: 'ANSWERED',
    status: 200,
    endReason: 'callee hung up',
  },
];

describe('call records API (/api/cdr)', () => {
  let h: Harness;
  let cdr: CdrRepository;
  before(async () => {
    h = await startHarness();
    cdr = h.cdr!;
    for (const r of SEED) cdr.insert(r);
  });
  after(async () => {
    await h.close();
  });

  const get = async (query: string) => {
    const res = await h.call('GET', `/api/cdr${query}`);
    return { status: res.status, body: (await res.json()) as Page & ErrorBody };
  };
  const ids = async (query: string) => {
    const { status, body } = await get(query);
    assert.equal(status, 200, JSON.stringify(body));
    return body.records.map((r) => r.callId);
  };

  it('lists records newest first with the total and no next page', async () => {
    const { status, body } = await get('');
    assert.equal(status, 200);
    assert.deepEqual(
      body.records.map((r) => r.callId),
      ['c6', 'c5', 'c4', 'c3', 'c2', 'c1'],
    );
    assert.equal(body.total, 6);
    assert.equal(body.nextCursor, null);
    const c1 = body.records[5]!;
    assert.deepEqual(
      { ...c1, id: 0 },
      {
        id: 0,
        callId: 'c1',
        caller: '201',
        callee: '202',
        start: '2026-11-24T09:00:00.000Z',
        answer: '2026-11-24T09:00:03.000Z',
        end: '2026-11-24T09:01:03.000Z',
        duration: 63,
        billsec: 60,
        disposition: 'ANSWERED',
        status: 200,
        endReason: 'caller hung up',
        media: oneWay,
      },
    );
    // one-way audio is plain to see: nothing came from the caller's phone
    assert.equal(c1.media?.[0]?.callerToCallee.packets, 0);
    assert.equal(c1.media?.[0]?.calleeToCaller.packets, 2990);
  });

  it('filters by from, to, extension, disposition, since and until', async () => {
    assert.deepEqual(await ids('?from=201'), ['c4', 'c1']);
    assert.deepEqual(await ids('?to=201'), ['c6', 'c3', 'c2']);
    assert.deepEqual(await ids('?extension=201'), ['c6', 'c4', 'c3', 'c2', 'c1']);
    assert.deepEqual(await ids('?disposition=NO%20ANSWER'), ['c3']);
    assert.deepEqual(await ids('?disposition=no_answer'), ['c3']);
    assert.deepEqual(await ids('?from=%2B4930123456'), ['c6']);
    assert.deepEqual(await ids('?since=2026-11-24T09:02:00Z'), ['c6', 'c5', 'c4', 'c3']);
    assert.deepEqual(await ids(`?until=${T0 + 120_000}`), ['c2', 'c1']); // epoch ms; until is exclusive
    assert.deepEqual(await ids('?since=2026-11-24T10:01:00%2B01:00&until=2026-11-24T09:04:00Z'), [
      'c4',
      'c3',
      'c2',
    ]);
    assert.deepEqual(await ids('?extension=201&disposition=ANSWERED'), ['c6', 'c1']);
    assert.deepEqual(await ids('?since=2026-11-25'), []);
    assert.deepEqual(await ids('?from='), ['c6', 'c5', 'c4', 'c3', 'c2', 'c1']); // empty = not given
    const { body } = await get('?extension=201&since=2026-11-24T09:01:00Z');
    assert.equal(body.total, 4);
  });

  it('pages with limit and cursor; total stays the whole count', async () => {
    const seen: string[] = [];
    let query = '?extension=201&limit=2';
    for (let i = 0; i < 5; i++) {
      const { status, body } = await get(query);
      assert.equal(status, 200);
      assert.equal(body.total, 5);
      seen.push(...body.records.map((r) => r.callId));
      if (body.nextCursor === null) break;
      query = `?extension=201&limit=2&cursor=${encodeURIComponent(body.nextCursor)}`;
    }
    assert.deepEqual(seen, ['c6', 'c4', 'c3', 'c2', 'c1']);
  });

  it('refuses bad parameters with a message naming the field', async () => {
    const cases: Array<[string, string, RegExp | string]> = [
      [
        '?since=yesterday',
        'since',
        'since: "yesterday" is not a date (use ISO 8601, e.g. 2026-11-24T09:00:00Z)',
      ],
      ['?until=2026-02-31', 'until', /^until: "2026-02-31" is not a date/],
      ['?until=2026-11-24T25:00:00Z', 'until', /^until: .* is not a date/],
      [
        '?since=2026-11-24T10:00:00Z&until=2026-11-24T09:00:00Z',
        'until',
        /^until: .* is not later than since/,
      ],
      ['?limit=0', 'limit', 'limit: "0" is not a whole number from 1 to 1000'],
      ['?limit=1001', 'limit', /^limit: "1001" is not a whole number from 1 to 1000/],
      ['?limit=ten', 'limit', /^limit: "ten"/],
      [
        '?disposition=HUNG%20UP',
        'disposition',
        /^disposition: "HUNG UP" is not one of ANSWERED, NO ANSWER, BUSY, FAILED, VOICEMAIL$/,
      ],
      ['?cursor=not-a-cursor', 'cursor', /^cursor: is not a cursor from this API/],
      ['?extention=201', 'extention', /"extention" is not a parameter here \(use from, to, extension/],
      ['?from=201&from=202', 'from', 'from: is given more than once; give it once'],
      [`?extension=${'9'.repeat(300)}`, 'extension', 'extension: is longer than 256 characters'],
    ];
    for (const [query, field, message] of cases) {
      const { status, body } = await get(query);
      assert.equal(status, 400, query);
      assert.equal(body.field, field, query);
      assert.equal(body.code, 'INVALID_FIELD', query);
      if (typeof message === 'string') assert.equal(body.error, message, query);
      else assert.match(body.error, message, query);
    }
  });

  it('needs the admin password', async () => {
    const res = await h.call('GET', '/api/cdr', { auth: '' });
    assert.equal(res.status, 401);
    const exp = await h.call('GET', '/api/cdr/export', { auth: '' });
    assert.equal(exp.status, 401);
  });

  it('exports the same records as CSV: header row, attachment, values round-trip', async () => {
    const res = await h.call('GET', '/api/cdr/export');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8$/);
    assert.match(
      res.headers.get('content-disposition') ?? '',
      /^attachment; filename="officepbx-calls\.csv"$/,
    );
    const [header, ...rows] = parseCsv(await res.text());
    assert.deepEqual(header, [...CDR_CSV_COLUMNS]);
    const { body } = await get('?limit=1000');
    assert.equal(rows.length, body.records.length);
    rows.forEach((cells, i) => {
      const { media: _media, ...rec } = body.records[i]!;
      const row = Object.fromEntries(CDR_CSV_COLUMNS.map((c, j) => [c, unguardFormula(cells[j] ?? '')]));
      assert.deepEqual(
        {
          id: Number(row.id),
          callId: row.callId,
          caller: row.caller,
          callee: row.callee,
          start: row.start,
          answer: row.answer === '' ? null : row.answer,
          end: row.end,
          duration: Number(row.duration),
          billsec: Number(row.billsec),
          disposition: row.disposition,
          status: row.status === '' ? null : Number(row.status),
          endReason: row.endReason === '' ? null : row.endReason,
        },
        rec,
        `row ${i + 2}`,
      );
      assert.deepEqual(cells, cdrCsvCells(body.records[i]!));
    });
    // formulas are neutralised for spreadsheets; media summary per direction
    const c5 = rows.find((r) => r[1] === 'c5')!;
    assert.equal(c5[2], `'=HYPERLINK("x")`);
    const c6 = rows.find((r) => r[1] === 'c6')!;
    assert.equal(c6[2], `'+4930123456`);
    const c1 = rows.find((r) => r[1] === 'c1')!;
    assert.deepEqual(c1.slice(12), ['PCMU', '0', '2990', '0', '12', '0', '3.3']);
    const c2 = rows.find((r) => r[1] === 'c2')!;
    assert.deepEqual(c2.slice(12), ['', '', '', '', '', '', '']);
  });

  it('leaves loss and jitter empty in the CSV where the relay did not measure them (rtpengine, no RTCP)', async () => {
    const { body } = await get('?limit=1000');
    const base = body.records.find((r) => r.callId === 'c1')!;
    const unmeasured = {
      packets: 100,
      bytes: 17_200,
      lost: 0,
      jitterMs: 0,
      source: '192.0.2.1:4000',
      qualityMeasured: false,
    };
    const media: StreamStats[] = [
      {
        index: 0,
        media: 'audio',
        codec: 'PCMU/8000',
        callerToCallee: unmeasured,
        calleeToCaller: { ...unmeasured, lost: 2, jitterMs: 4.2, qualityMeasured: true },
      },
    ];
    assert.deepEqual(cdrCsvCells({ ...base, media }).slice(12), [
      'PCMU/8000',
      '100',
      '100',
      '',
      '2',
      '',
      '4.2',
    ]);
  });

  it('export takes the same filters (and validates them), ignores paging, and can add a BOM', async () => {
    const res = await h.call('GET', '/api/cdr/export?extension=201&disposition=ANSWERED&bom=1');
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]); // fetch's text() would drop it
    const text = bytes.toString('utf8');
    const rows = parseCsv(text).slice(1);
    assert.deepEqual(
      rows.map((r) => r[1]),
      ['c6', 'c1'],
    );
    const same = (await get('?extension=201&disposition=ANSWERED')).body.records;
    assert.equal(text, formatCdrCsv(same, { bom: true }));
    const bad = await h.call('GET', '/api/cdr/export?since=yesterday');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as ErrorBody).field, 'since');
    const paging = await h.call('GET', '/api/cdr/export?limit=1');
    assert.equal(paging.status, 400);
    assert.equal(((await paging.json()) as ErrorBody).field, 'limit');
  });

  it('exports 100,000 records', async () => {
    h.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        const start = T0 - 1e9 + i * 5000;
        cdr.insert({
          callId: `bulk-${i}@10.0.0.9`,
          caller: String(200 + (i % 30)),
          callee: String(230 + (i % 17)),
          start,
          answer: start + 2000,
          end: start + 47_000,
          disposition: 'ANSWERED',
          status: 200,
          endReason: 'caller hung up',
          media: oneWay,
        });
      }
    })();
    let t = performance.now();
    let exportDone = 0;
    const pending = h.call('GET', '/api/cdr/export').then(async (r) => {
      const body = await r.text();
      exportDone = performance.now();
      return { res: r, text: body };
    });
    // the export gives the event loop back while it works: another request is answered meanwhile
    await new Promise((resolve) => setTimeout(resolve, 100));
    const health = await h.call('GET', '/api/health', { auth: '' });
    const healthDone = performance.now();
    assert.equal(health.status, 200);
    const { res, text } = await pending;
    const ms = exportDone - t;
    assert.ok(healthDone < exportDone, 'a request during the export waited for the export to finish');
    assert.equal(res.status, 200);
    t = performance.now();
    const records = parseCsv(text);
    const parseMs = performance.now() - t;
    assert.equal(records.length, 1 + 100_006);
    assert.equal(records[1]?.[1], 'c6');
    assert.equal(records[100_006]?.[1], 'bulk-0@10.0.0.9');
    console.log(
      `cdr export over HTTP: 100006 rows, ${(text.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms (parse back ${parseMs.toFixed(0)} ms); /api/health during it answered ${(exportDone - healthDone).toFixed(0)} ms before the export`,
    );
    t = performance.now();
    const { body } = await get('?limit=100');
    console.log(
      `cdr GET /api/cdr page 1 with total over 100006 rows: ${(performance.now() - t).toFixed(1)} ms`,
    );
    assert.equal(body.total, 100_006);
  });
});

describe('call records API without a store', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ cdr: false });
  });
  after(async () => {
    await h.close();
  });

  it('answers 503 with a clear error on both routes', async () => {
    for (const path of ['/api/cdr', '/api/cdr/export?since=yesterday']) {
      const res = await h.call('GET', path);
      assert.equal(res.status, 503, path);
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.code, 'CDR_UNAVAILABLE');
      assert.match(body.error, /call records are not available/);
    }
    const post = await h.call('POST', '/api/cdr', {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(post.status, 405);
  });
});
