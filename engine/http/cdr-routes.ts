import { formatCdrCsvYielding } from '../csv/cdr-csv.js';
import { CDR_DISPOSITIONS, CDR_MAX_LIMIT, decodeCdrCursor } from '../store/cdr-repository.js';
import type { CdrFilter, CdrRepository, CdrSearch, Disposition } from '../store/cdr-repository.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';

const SEARCH_PARAMS = ['from', 'to', 'extension', 'disposition', 'since', 'until'] as const;
const PAGE_PARAMS = [...SEARCH_PARAMS, 'limit', 'cursor'] as const;
const EXPORT_PARAMS = [...SEARCH_PARAMS, 'bom'] as const;

/** Longest caller / callee / extension searched for (a SIP user part; longer is a mistake). */
const MAX_TEXT = 256;
const DATE_EXAMPLE = 'use ISO 8601, e.g. 2026-11-24T09:00:00Z';
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const YES: ReadonlySet<string> = new Set(['1', 'true', 'yes']);

const invalid = (field: string, message: string) => ApiErrors.invalidField(field, `${field}: ${message}`);
const quote = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

/**
 * A time as ISO 8601 (a date, or a date and time; without a zone it is the server's local time) or as epoch
 * milliseconds. Impossible dates (2026-02-31) are refused rather than rolled over.
 */
export function parseTimeParam(field: string, value: string): number {
  const bad = () => invalid(field, `${quote(value)} is not a date (${DATE_EXAMPLE})`);
  if (/^\d{1,16}$/.test(value)) {
    const ms = Number(value);
    if (ms > 8.64e15) throw bad();
    return ms;
  }
  const m = ISO_8601.exec(value);
  if (!m) throw bad();
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.parse(value.replace(' ', 'T'));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (Number.isNaN(ms) || month < 1 || month > 12 || day < 1 || day > daysInMonth) throw bad();
  return ms;
}

function parseDisposition(value: string): Disposition {
  const normal = value
    .trim()
    .toUpperCase()
    .replace(/[_+]|\s+/g, ' ');
  const found = CDR_DISPOSITIONS.find((d) => d === normal);
  if (!found) throw invalid('disposition', `${quote(value)} is not one of ${CDR_DISPOSITIONS.join(', ')}`);
  return found;
}

function parseLimit(value: string): number {
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= CDR_MAX_LIMIT))
    throw invalid('limit', `${quote(value)} is not a whole number from 1 to ${CDR_MAX_LIMIT}`);
  return n;
}

function parseText(field: string, value: string): string {
  if (value.length > MAX_TEXT) throw invalid(field, `is longer than ${MAX_TEXT} characters`);
  return value;
}

/**
 * Reads and checks the query string: each problem names its parameter. Unknown and repeated parameters are
 * refused (a misspelt `extention=201` must not quietly list every call); empty ones count as absent.
 */
export function parseCdrQuery(query: URLSearchParams, allowed: readonly string[]): CdrFilter {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!allowed.includes(name)) {
      throw ApiErrors.invalidField(
        name,
        `${quote(name)} is not a parameter here (use ${allowed.join(', ')})`,
      );
    }
    if (seen.has(name)) throw invalid(name, 'is given more than once; give it once');
    seen.add(name);
  }
  const get = (name: string): string | undefined => {
    const v = query.get(name);
    return v === null || v === '' ? undefined : v;
  };
  const filter: CdrFilter = {};
  const from = get('from');
  if (from !== undefined) filter.from = parseText('from', from);
  const to = get('to');
  if (to !== undefined) filter.to = parseText('to', to);
  const extension = get('extension');
  if (extension !== undefined) filter.extension = parseText('extension', extension);
  const disposition = get('disposition');
  if (disposition !== undefined) filter.disposition = parseDisposition(disposition);
  const since = get('since');
  if (since !== undefined) filter.since = parseTimeParam('since', since);
  const until = get('until');
  if (until !== undefined) filter.until = parseTimeParam('until', until);
  if (filter.since !== undefined && filter.until !== undefined && filter.until <= filter.since)
    throw invalid('until', `${quote(until ?? '')} is not later than since (${quote(since ?? '')})`);
  const limit = get('limit');
  if (limit !== undefined) filter.limit = parseLimit(limit);
  const cursor = get('cursor');
  if (cursor !== undefined) {
    if (!decodeCdrCursor(cursor))
      throw invalid(
        'cursor',
        'is not a cursor from this API (pass nextCursor from the previous page unchanged)',
      );
    filter.cursor = cursor;
  }
  return filter;
}

function searchOf(filter: CdrFilter): CdrSearch {
  const { limit: _limit, cursor: _cursor, ...search } = filter;
  return search;
}

/**
 * `GET /api/cdr` (a page of call records, newest first: `{ records, nextCursor, total }`) and
 * `GET /api/cdr/export` (every matching record as a CSV attachment). Without a store both answer 503.
 */
export function cdrRoutes(cdr: CdrRepository | undefined): Route[] {
  const store = (): CdrRepository => {
    if (!cdr) throw ApiErrors.cdrUnavailable();
    return cdr;
  };
  return [
    {
      method: 'GET',
      path: '/api/cdr',
      handle: ({ query }) => {
        const repo = store();
        const filter = parseCdrQuery(query, PAGE_PARAMS);
        const page = repo.query(filter);
        return jsonResponse(200, { ...page, total: repo.count(searchOf(filter)) });
      },
    },
    {
      method: 'GET',
      path: '/api/cdr/:id',
      handle: ({ params }) => {
        const raw = params.id ?? '';
        const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
        if (!Number.isSafeInteger(id)) throw invalid('id', `${quote(raw)} is not a call record number`);
        const record = store().get(id);
        if (!record) throw ApiErrors.cdrNotFound(id);
        return jsonResponse(200, record);
      },
    },
    {
      method: 'GET',
      path: '/api/cdr/export',
      // Read in keyset chunks with the event loop given back between them: SIP keeps flowing during a large
      // export and calls ending meanwhile are written (the file holds those that sort after the export's
      // position at that moment). The whole file is built before it is sent: about 170 bytes a record.
      handle: async ({ query }) => {
        const repo = store();
        const filter = parseCdrQuery(query, EXPORT_PARAMS);
        const bom = YES.has(query.get('bom') ?? '');
        return {
          status: 200,
          text: await formatCdrCsvYielding(repo.exportRows(searchOf(filter)), { bom }),
          contentType: 'text/csv; charset=utf-8',
          headers: { 'Content-Disposition': 'attachment; filename="officepbx-calls.csv"' },
        };
      },
    },
  ];
}
