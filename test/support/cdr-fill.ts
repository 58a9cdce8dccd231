import path from 'node:path';
import { LogRoot } from '../../engine/log/index.js';
import { CDR_DISPOSITIONS, CdrRepository, openDatabase } from '../../engine/store/index.js';

/**
 * Writes `count` call records into a data folder's database before an engine opens it: a busy office's
 * history (20 extensions, every disposition, one call every 30 s going back from `newest`). Deterministic,
 * so tests can count what a filter should find.
 */
export function fillCallRecords(dataDir: string, count: number, newest = Date.now()): void {
  const db = openDatabase(path.join(dataDir, 'officepbx.db'), new LogRoot('silent').logger('store'));
  const repo = new CdrRepository(db);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const start = newest - (count - i) * 30_000;
      const disposition = CDR_DISPOSITIONS[i % CDR_DISPOSITIONS.length]!;
      const answered = disposition === 'ANSWERED';
      repo.insert({
        callId: `fill-${i}@pbx`,
        caller: String(200 + (i % 20)),
        callee: String(200 + ((i * 7 + 3) % 20)),
        start,
        answer: answered ? start + 4_000 : undefined,
        end: start + (answered ? 64_000 : 20_000),
        disposition,
        status: answered ? 200 : 486,
      });
    }
  })();
  db.close();
}
