// OfficePBX memory per registration binding: RSS (and V8 heap after a forced GC) before and after
// registering N distinct users once each.
import { benchConfig } from './bench-config.js';
import { formatValue, note, sleep } from './bench-output.js';
import type { Inspector } from './inspector.js';
import { registerEachOnce, type ServerUnderTest } from './load-runs.js';
import { rssBytes } from './proc-stats.js';

export interface BindingMemory {
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  /** RSS right after the load (finished transactions still held), for the diagnostics. */
  rssJustAfter: number;
  heapJustAfter: number;
  registered: number;
  failed: number;
}

async function snapshot(pid: number, inspector: Inspector): Promise<{ rss: number; heap: number }> {
  const heap = await inspector.heapUsedAfterGc();
  await sleep(500); // let the collector hand pages back before RSS is read
  const rss = rssBytes(pid);
  if (rss === undefined) throw new Error(`process ${pid} is gone`);
  return { rss, heap };
}

const mib = (b: number): string => `${formatValue(b / 2 ** 20)} MiB`;

export async function measureBindingMemory(
  server: ServerUnderTest,
  pid: number,
  inspector: Inspector,
  usersCsv: string,
): Promise<BindingMemory> {
  const n = benchConfig.users;
  await sleep(1000);
  const before = await snapshot(pid, inspector);
  note(`officepbx memory before: RSS ${mib(before.rss)}, heap ${mib(before.heap)}`);
  const result = await registerEachOnce(server, usersCsv, n);
  await sleep(2000);
  const just = await snapshot(pid, inspector);
  note(`officepbx memory 2 s after ${result.ok} registrations: RSS ${mib(just.rss)}, heap ${mib(just.heap)}`);
  note(`waiting ${benchConfig.settleAfterRegisterMs / 1000} s for the finished transactions to expire`);
  await sleep(benchConfig.settleAfterRegisterMs);
  const after = await snapshot(pid, inspector);
  note(`officepbx memory after the settle: RSS ${mib(after.rss)}, heap ${mib(after.heap)}`);
  return {
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapBefore: before.heap,
    heapAfter: after.heap,
    rssJustAfter: just.rss,
    heapJustAfter: just.heap,
    registered: result.ok,
    failed: result.created - result.ok,
  };
}
