import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../../engine/directory/directory-errors.js';
import { LogRoot } from '../../engine/log/index.js';
import type { CallMediaStats, StreamStats } from '../../engine/media/relay-driver.js';
import type { Call } from '../../engine/sip/calls/call-record.js';
import { CdrRepository, cdrFromCall, openDatabase, schemaVersion } from '../../engine/store/index.js';
import type { CdrFilter, CdrRecord, Database, NewCdr } from '../../engine/store/index.js';
import { tempDir } from './temp-dir.js';

const log = new LogRoot('silent').logger('store');
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0); // 2026-11-24T09:00:00Z

function stream(fromCaller: number, fromCallee: number): StreamStats {
  const dir = (packets: number) => ({
    packets,
    bytes: packets * 172,
    lost: packets > 0 ? 3 : 0,
    jitterMs: packets > 0 ? 4.5 : 0,
    source: packets > 0 ? '192.168.1.20:4000' : null,
  });
  return {
    index: 0,
    media: 'audio',
    codec: 'PCMU',
    callerToCallee: dir(fromCaller),
    calleeToCaller: dir(fromCallee),
  };
}

function call(i: number, over: Partial<NewCdr> = {}): NewCdr {
  return {
    callId: `call-${i}@pbx`,
    caller: '201',
    callee: '202',
    start: T0 + i * 1000,
    answer: T0 + i * 1000 + 2000,
    end: T0 + i * 1000 + 62_000,
    disposition: 'ANSWERED',
    status: 200,
    endReason: 'caller hung up',
    ...over,
  };
}

/** Every page of a query, following nextCursor. */
function allPages(repo: CdrRepository, filter: CdrFilter): { records: CdrRecord[]; pages: number } {
  const records: CdrRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = repo.query({ ...filter, cursor });
    pages++;
    records.push(...page.records);
    if (page.nextCursor === null) return { records, pages };
    cursor = page.nextCursor;
  }
}

describe('call detail records (CdrRepository)', () => {
  const tmp = tempDir();
  let db: Database;
  let repo: CdrRepository;
  before(() => {
    db = openDatabase(tmp.file('pbx.db'), log);
    repo = new CdrRepository(db);
  });
  after(() => {
    db.close();
    tmp.remove();
  });
  const clear = () => db.exec('DELETE FROM cdr');

  it('is created by migration 3 with its indexes', () => {
    assert.ok(schemaVersion(db) >= 3);
    const indexes = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cdr'",
      )
      .all()
      .map((r) => r.name)
      .sort();
    assert.deepEqual(indexes, ['cdr_callee', 'cdr_caller', 'cdr_start']);
  });

  it('stores a record and returns it as the API shows it: ISO times, whole seconds, media per direction', () => {
    clear();
    const media = [stream(3000, 0)];
    const rec = repo.insert(call(1, { media, answer: T0 + 1000 + 2400, end: T0 + 1000 + 62_600 }));
    assert.equal(typeof rec.id, 'number');
    assert.deepEqual(rec, {
      id: rec.id,
      callId: 'call-1@pbx',
      caller: '201',
      callee: '202',
      start: '2026-11-24T09:00:01.000Z',
      answer: '2026-11-24T09:00:03.400Z',
      end: '2026-11-24T09:01:03.600Z',
      duration: 63, // 62.6 s
      billsec: 60, // 60.2 s
      disposition: 'ANSWERED',
      status: 200,
      endReason: 'caller hung up',
      media,
    });
    // "no packets from the callee" is visible in what the API reads back
    const [read] = repo.query().records;
    assert.deepEqual(read, rec);
    assert.equal(read?.media?.[0]?.calleeToCaller.packets, 0);
    assert.equal(read?.media?.[0]?.callerToCallee.jitterMs, 4.5);
  });

  it('unanswered calls bill 0 s; unknown media, status and reason read back as null', () => {
    clear();
    const rec = repo.insert({
      callId: 'x',
      caller: '201',
      callee: '299',
      start: T0,
      end: T0 + 15_000,
      disposition: 'NO ANSWER',
    });
    assert.equal(rec.answer, null);
    assert.equal(rec.duration, 15);
    assert.equal(rec.billsec, 0);
    assert.equal(rec.status, null);
    assert.equal(rec.endReason, null);
    assert.equal(rec.media, null);
    assert.deepEqual(repo.query().records, [rec]);
  });

  it('refuses a disposition outside the list (CHECK constraint)', () => {
    assert.throws(() => repo.insert(call(1, { disposition: 'MAYBE' as never })), /CHECK constraint/);
  });

  it('filters by caller, callee, extension (either side), disposition and time, alone and together', () => {
    clear();
    repo.insert(call(1, { caller: '201', callee: '202' }));
    repo.insert(
      call(2, { caller: '202', callee: '201', disposition: 'BUSY', answer: undefined, status: 486 }),
    );
    repo.insert(call(3, { caller: '203', callee: '204', disposition: 'NO ANSWER', answer: undefined }));
    repo.insert(call(4, { caller: '201', callee: '201', disposition: 'VOICEMAIL' })); // own voicemail
    repo.insert(
      call(5, { caller: '204', callee: '201', disposition: 'FAILED', answer: undefined, status: 503 }),
    );
    const ids = (f: CdrFilter) => repo.query(f).records.map((r) => Number(r.callId.split(/[-@]/)[1]));
    assert.deepEqual(ids({}), [5, 4, 3, 2, 1]);
    assert.deepEqual(ids({ from: '201' }), [4, 1]);
    assert.deepEqual(ids({ to: '201' }), [5, 4, 2]);
    assert.deepEqual(ids({ extension: '201' }), [5, 4, 2, 1]); // the call to oneself once
    assert.deepEqual(ids({ extension: '204' }), [5, 3]);
    assert.deepEqual(ids({ disposition: 'BUSY' }), [2]);
    assert.deepEqual(ids({ since: T0 + 2000, until: T0 + 4000 }), [3, 2]); // since ≤ start < until
    assert.deepEqual(ids({ extension: '201', disposition: 'ANSWERED' }), [1]);
    assert.deepEqual(ids({ from: '201', to: '202', since: T0 }), [1]);
    assert.deepEqual(ids({ from: "201' OR '1'='1" }), []);
    assert.equal(repo.count({}), 5);
    assert.equal(repo.count({ extension: '201' }), 4);
    assert.equal(repo.count({ extension: '201', until: T0 + 3000 }), 2);
    assert.equal(repo.count({ disposition: 'VOICEMAIL' }), 1);
    assert.equal(repo.count({ to: 'nobody' }), 0);
  });

  it('pages newest first with a cursor across many records with equal start times: none lost, none twice', () => {
    clear();
    const inserted: CdrRecord[] = [];
    for (let i = 0; i < 53; i++) {
      const start = T0 + Math.floor(i / 7) * 1000; // 7 calls share each start time
      const caller = i % 3 === 0 ? '201' : '202';
      const callee = i % 3 === 0 ? '202' : i % 2 === 0 ? '201' : '203';
      inserted.push(repo.insert(call(i, { start, answer: start + 500, end: start + 9000, caller, callee })));
    }
    const expected = (keep: (r: CdrRecord) => boolean) =>
      inserted
        .filter(keep)
        .sort((a, b) => b.start.localeCompare(a.start) || b.id - a.id)
        .map((r) => r.id);
    for (const limit of [1, 4, 7, 10, 53, 100]) {
      const { records, pages } = allPages(repo, { limit });
      assert.deepEqual(
        records.map((r) => r.id),
        expected(() => true),
        `limit ${limit}`,
      );
      assert.equal(pages, Math.max(1, Math.ceil(53 / limit)), `limit ${limit}: no empty last page`);
    }
    const ext = allPages(repo, { extension: '201', limit: 4 }).records.map((r) => r.id);
    assert.deepEqual(
      ext,
      expected((r) => r.caller === '201' || r.callee === '201'),
    );
    const to = allPages(repo, { to: '203', limit: 3, since: T0 + 2000 }).records.map((r) => r.id);
    assert.deepEqual(
      to,
      expected((r) => r.callee === '203' && Date.parse(r.start) >= T0 + 2000),
    );
  });

  it('every page query walks an index in order: no table scan, no sort (what keeps page 500 as cheap as page 1)', () => {
    const cursor = repo.query({ limit: 1 }).nextCursor ?? undefined;
    const filters: CdrFilter[] = [
      {},
      { cursor },
      { from: '201', cursor },
      { to: '202', since: T0, until: T0 + 1e9, cursor },
      { extension: '201' },
      { extension: '201', disposition: 'ANSWERED', since: T0, cursor },
      { disposition: 'BUSY', cursor },
      { since: T0, until: T0 + 1e9 },
    ];
    for (const f of filters) {
      const plan = repo.explainQuery(f);
      const text = plan.join(' | ');
      assert.ok(!/TEMP B-TREE/.test(text), `sorts: ${JSON.stringify(f)}: ${text}`);
      assert.ok(
        plan.every((step) => !/^SCAN cdr$/.test(step)),
        `scans the table: ${JSON.stringify(f)}: ${text}`,
      );
      assert.ok(/USING (COVERING )?INDEX cdr_/.test(text), `no index: ${JSON.stringify(f)}: ${text}`);
    }
  });

  it('refuses a cursor it did not write, naming the field', () => {
    for (const cursor of [
      'garbage',
      '',
      Buffer.from('cdr1:x:1').toString('base64url'),
      "'; DROP TABLE cdr; --",
    ]) {
      assert.throws(
        () => repo.query({ cursor }),
        (err: unknown) => err instanceof ValidationError && err.field === 'cursor',
        cursor,
      );
    }
  });

  it('exports every matching row in order, in chunks that leave the connection free for writers', () => {
    clear();
    db.transaction(() => {
      for (let i = 0; i < 2500; i++) repo.insert(call(i, { caller: i % 2 ? '201' : '202' }));
    })();
    let n = 0;
    let previous = Infinity;
    for (const r of repo.exportRows({ from: '201' })) {
      assert.equal(r.caller, '201');
      assert.ok(Date.parse(r.start) < previous);
      previous = Date.parse(r.start);
      // a call ending mid-export must be writable (a held statement would make this throw "busy")
      if (n === 1200) repo.insert(call(99_999, { start: T0 - 1000, caller: '209' }));
      n++;
    }
    assert.equal(n, 1250);
    assert.equal([...repo.exportRows({ disposition: 'BUSY' })].length, 0);
    assert.equal([...repo.exportRows({})].length, 2501);
  });

  it('cdrFromCall: a tracked call with the relay statistics becomes a record', () => {
    const base: Call = {
      callId: 'abc@10.0.0.5',
      callerTag: 't1',
      calleeTag: 't2',
      caller: '201',
      callee: '202',
      state: 'ended',
      start: T0,
      answer: T0 + 3000,
      end: T0 + 33_000,
      disposition: 'ANSWERED',
      status: 200,
      endReason: 'callee hung up',
      dialog: {
        callerFlow: {
          transport: 'UDP',
          remoteAddress: '10.0.0.5',
          remotePort: 5060,
          localAddress: '10.0.0.1',
          localPort: 5060,
        },
        callerContact: undefined,
        callerFrom: '',
        callerTo: '',
        callerCSeq: 1,
        calleeContact: undefined,
        calleeTo: undefined,
        calleeCSeq: 0,
      },
    };
    const stats: CallMediaStats = { callId: base.callId, streams: [stream(1500, 1498)], idleMs: 20 };
    assert.deepEqual(cdrFromCall(base, stats), {
      callId: 'abc@10.0.0.5',
      caller: '201',
      callee: '202',
      start: T0,
      answer: T0 + 3000,
      end: T0 + 33_000,
      disposition: 'ANSWERED',
      status: 200,
      endReason: 'callee hung up',
      media: stats.streams,
    });
    const busy = cdrFromCall({
      ...base,
      answer: undefined,
      end: T0 + 4000,
      disposition: 'BUSY',
      status: 486,
      endReason: '486 Busy Here',
    });
    assert.equal(busy.media, undefined);
    clear();
    const rec = repo.insert(busy);
    assert.deepEqual(
      [rec.disposition, rec.duration, rec.billsec, rec.status, rec.media],
      ['BUSY', 4, 0, 486, null],
    );
    // defensive defaults for a call that was never finished properly
    const odd = cdrFromCall({ ...base, end: undefined, disposition: undefined });
    assert.equal(odd.end, T0 + 3000);
    assert.equal(odd.disposition, 'ANSWERED');
    assert.equal(cdrFromCall({ ...base, answer: undefined, disposition: undefined }).disposition, 'FAILED');
  });

  it('100,000 records: page 1 and page 500 (cursor) stay fast', () => {
    clear();
    const extensions = Array.from({ length: 40 }, (_, i) => String(200 + i));
    const dispositions = [
      'ANSWERED',
      'ANSWERED',
      'ANSWERED',
      'NO ANSWER',
      'BUSY',
      'FAILED',
      'VOICEMAIL',
    ] as const;
    const media = [stream(1500, 1490)];
    let t = performance.now();
    db.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        const start = T0 + Math.floor(i / 2) * 30_000; // pairs share a start time
        const answered = i % 7 < 3;
        repo.insert({
          callId: `bulk-${i}`,
          caller: extensions[i % 40]!,
          callee: extensions[(i * 7 + 3) % 40]!,
          start,
          answer: answered ? start + 4000 : undefined,
          end: start + (answered ? 95_000 : 20_000),
          disposition: dispositions[i % 7]!,
          status: answered ? 200 : 486,
          endReason: 'caller hung up',
          media: answered ? media : undefined,
        });
      }
    })();
    console.log(`cdr insert 100000 rows in one transaction: ${(performance.now() - t).toFixed(0)} ms`);

    const time = <T>(f: () => T): [T, number] => {
      const s = performance.now();
      const v = f();
      return [v, performance.now() - s];
    };
    const BOUND_MS = 250;
    const [first, firstMs] = time(() => repo.query({ limit: 100 }));
    const [total, countMs] = time(() => repo.count({}));
    assert.equal(total, 100_000);
    assert.equal(first.records.length, 100);
    let cursor = first.nextCursor;
    t = performance.now();
    for (let p = 2; p < 500; p++) cursor = repo.query({ limit: 100, cursor: cursor ?? undefined }).nextCursor;
    const walkMs = performance.now() - t;
    const [page500, page500Ms] = time(() => repo.query({ limit: 100, cursor: cursor ?? undefined }));
    assert.equal(page500.records.length, 100);
    assert.equal(page500.records[0]?.callId, `bulk-${100_000 - 499 * 100 - 1}`);
    assert.notEqual(page500.nextCursor, null);

    // the same for one extension (calls made and received merged from two indexes), deep into its pages
    const [extFirst, extFirstMs] = time(() => repo.query({ extension: '213', limit: 100 }));
    let extCursor = extFirst.nextCursor;
    for (let p = 2; p < 40; p++)
      extCursor = repo.query({ extension: '213', limit: 100, cursor: extCursor ?? undefined }).nextCursor;
    const [extDeep, extDeepMs] = time(() =>
      repo.query({ extension: '213', limit: 100, cursor: extCursor ?? undefined }),
    );
    assert.equal(extDeep.records.length, 100);
    assert.ok(extDeep.records.every((r) => r.caller === '213' || r.callee === '213'));
    const [extTotal, extCountMs] = time(() => repo.count({ extension: '213' }));
    const [dispPage, dispMs] = time(() =>
      repo.query({ disposition: 'VOICEMAIL', since: T0 + 1e8, limit: 100 }),
    );
    assert.equal(dispPage.records.length, 100);
    const [, exportMs] = time(() => {
      let n = 0;
      for (const _ of repo.exportRows({})) n++;
      return n;
    });

    console.log(
      [
        `cdr page 1 (100 of 100000): ${firstMs.toFixed(2)} ms`,
        `cdr page 500 via cursor: ${page500Ms.toFixed(2)} ms (pages 2..499 walked in ${walkMs.toFixed(0)} ms)`,
        `cdr count all: ${countMs.toFixed(2)} ms`,
        `cdr extension page 1: ${extFirstMs.toFixed(2)} ms, page 40: ${extDeepMs.toFixed(2)} ms, count ${extTotal}: ${extCountMs.toFixed(2)} ms`,
        `cdr disposition+since page: ${dispMs.toFixed(2)} ms`,
        `cdr exportRows all 100000: ${exportMs.toFixed(0)} ms`,
      ].join('\n'),
    );
    for (const [name, ms] of [
      ['page 1', firstMs],
      ['page 500', page500Ms],
      ['count', countMs],
      ['extension page 1', extFirstMs],
      ['extension page 40', extDeepMs],
      ['extension count', extCountMs],
      ['disposition page', dispMs],
    ] as const) {
      assert.ok(ms < BOUND_MS, `${name} took ${ms.toFixed(1)} ms`);
    }
  });
});
