// The console's call log over a large history: how long one page of `GET /api/cdr` takes with 100,000
// records (the newest page, a page 200 pages deep through keyset cursors, and a filtered page), measured
// against the floor of the same query run in-process on SQLite (no HTTP, no JSON, no count). The engine
// is the real headless service on loopback; requests are made one at a time, as a person paging does.
import path from 'node:path';
import { LogRoot } from '../engine/log/index.js';
import { CdrRepository, openDatabase } from '../engine/store/index.js';
import type { CdrFilter } from '../engine/store/index.js';
import { fillCallRecords } from '../test/support/cdr-fill.js';
import { startEngine } from '../test/support/engine-process.js';
import { tempDir } from '../test/support/paths.js';
import { figure, median, note } from './bench-output.js';

const RECORDS = 100_000;
const PAGE = 50;
const REPEATS = 40;
const DEEP_PAGES = 200;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const dataDir = tempDir('bench-cdr');
  note(`console: writing ${RECORDS} call records`);
  fillCallRecords(dataDir, RECORDS);

  // The floor: the repository's own query on the same file, in this process.
  const db = openDatabase(path.join(dataDir, 'officepbx.db'), new LogRoot('silent').logger('store'));
  const repo = new CdrRepository(db);
  const filtered: CdrFilter = { extension: '205', disposition: 'NO ANSWER', limit: PAGE };
  const floorFirst: number[] = [];
  const floorFiltered: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    floorFirst.push(await timed(async () => repo.query({ limit: PAGE })));
    floorFiltered.push(await timed(async () => repo.query(filtered)));
  }
  db.close();

  const pbx = await startEngine({ dataDir, args: ['--log-level', 'warn', '--media-relay', 'off'] });
  try {
    const get = async (p: string): Promise<{ nextCursor: string | null; total: number }> => {
      const r = await pbx.api<{ nextCursor: string | null; total: number }>('GET', p);
      if (r.status !== 200) throw new Error(`GET ${p}: ${r.status}`);
      return r.body;
    };
    await get(`/api/cdr?limit=${PAGE}`); // warm-up: prepared statements, password cache
    const first: number[] = [];
    const filteredTimes: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      first.push(await timed(() => get(`/api/cdr?limit=${PAGE}`)));
      filteredTimes.push(
        await timed(() => get(`/api/cdr?limit=${PAGE}&extension=205&disposition=NO%20ANSWER`)),
      );
    }
    const deep: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < DEEP_PAGES; i++) {
      const q: string = `/api/cdr?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      let page: { nextCursor: string | null } = { nextCursor: null };
      const ms = await timed(async () => (page = await get(q)));
      if (i >= DEEP_PAGES - REPEATS) deep.push(ms);
      cursor = page.nextCursor;
      if (!cursor) throw new Error(`ran out of pages at ${i}`);
    }
    figure('console_cdr_records', RECORDS);
    figure('console_cdr_first_page_median', median(first), 'ms');
    figure(`console_cdr_page_${DEEP_PAGES}_median`, median(deep), 'ms');
    figure('console_cdr_filtered_page_median', median(filteredTimes), 'ms');
    figure('console_cdr_sqlite_floor_first_page_median', median(floorFirst), 'ms');
    figure('console_cdr_sqlite_floor_filtered_page_median', median(floorFiltered), 'ms');
    figure('console_cdr_first_page_ratio_to_floor', median(first) / median(floorFirst));
  } finally {
    await pbx.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
