import type { StreamDirectionStats, StreamStats } from '../media/relay-driver.js';
import type { CdrRecord } from '../store/cdr-repository.js';
import { formatCsv } from './csv.js';
import { guardFormula } from './formula-guard.js';

/**
 * Columns of the call records export. Media quality is summed over the call's streams per direction
 * (jitter: the worst stream), so "no packets from the caller" shows as packetsFromCaller = 0; the media
 * columns are empty when the relay did not report on the call.
 */
export const CDR_CSV_COLUMNS = [
  'id',
  'callId',
  'caller',
  'callee',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'status',
  'endReason',
  'codec',
  'packetsFromCaller',
  'packetsFromCallee',
  'lostFromCaller',
  'lostFromCallee',
  'jitterFromCallerMs',
  'jitterFromCalleeMs',
] as const;

export type CdrCsvColumn = (typeof CDR_CSV_COLUMNS)[number];

function mediaCells(media: readonly StreamStats[] | null): string[] {
  if (media === null) return ['', '', '', '', '', '', ''];
  const sum = (f: (s: StreamStats) => number): string => String(media.reduce((n, s) => n + f(s), 0));
  const worst = (f: (s: StreamStats) => number): string =>
    String(Math.round(media.reduce((n, s) => Math.max(n, f(s)), 0) * 10) / 10);
  // Loss and jitter nobody measured (rtpengine without RTCP reports) are left empty, not written as 0.
  const quality = (d: (s: StreamStats) => StreamDirectionStats): [string, string] =>
    media.some((s) => d(s).qualityMeasured !== false)
      ? [sum((s) => d(s).lost), worst((s) => d(s).jitterMs)]
      : ['', ''];
  const [lostFromCaller, jitterFromCaller] = quality((s) => s.callerToCallee);
  const [lostFromCallee, jitterFromCallee] = quality((s) => s.calleeToCaller);
  const codecs = [...new Set(media.map((s) => s.codec).filter((c): c is string => !!c))];
  return [
    codecs.join(' '),
    sum((s) => s.callerToCallee.packets),
    sum((s) => s.calleeToCaller.packets),
    lostFromCaller,
    lostFromCallee,
    jitterFromCaller,
    jitterFromCallee,
  ];
}

/** One record's cells in CDR_CSV_COLUMNS order; text that a spreadsheet would run as a formula is guarded. */
export function cdrCsvCells(r: CdrRecord): string[] {
  return [
    String(r.id),
    guardFormula(r.callId),
    guardFormula(r.caller),
    guardFormula(r.callee),
    r.start,
    r.answer ?? '',
    r.end,
    String(r.duration),
    String(r.billsec),
    r.disposition,
    r.status === null ? '' : String(r.status),
    guardFormula(r.endReason ?? ''),
    ...mediaCells(r.media),
  ];
}

const SLICE = 1000;

/**
 * The export file: a header row, then one row per record (RFC 4180, CRLF). Rows are formatted a thousand at
 * a time so 100,000 records cost one final join, not 100,000 string copies. `bom` helps Excel see UTF-8.
 */
export function formatCdrCsv(records: Iterable<CdrRecord>, options: { bom?: boolean } = {}): string {
  const parts = [csvHeader(options.bom)];
  for (const slice of slices(records)) parts.push(formatCsv(slice));
  return parts.join('');
}

/**
 * The same file, giving the event loop back between slices of a thousand rows (about 10 ms each), so a
 * large export in the engine's process does not hold up SIP and media for a second or more.
 */
export async function formatCdrCsvYielding(
  records: Iterable<CdrRecord>,
  options: { bom?: boolean } = {},
): Promise<string> {
  const parts = [csvHeader(options.bom)];
  for (const slice of slices(records)) {
    parts.push(formatCsv(slice));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return parts.join('');
}

function csvHeader(bom: boolean | undefined): string {
  return (bom ? '\uFEFF' : '') + formatCsv([CDR_CSV_COLUMNS]);
}

function* slices(records: Iterable<CdrRecord>): Generator<string[][], void, undefined> {
  let batch: string[][] = [];
  for (const r of records) {
    batch.push(cdrCsvCells(r));
    if (batch.length === SLICE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
