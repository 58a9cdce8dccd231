import { formatUserCsv, parseUserCsv } from '../csv/user-csv.js';
import type { CsvRowError, UserCsvRow } from '../csv/user-csv.js';
import { ImportError } from '../directory/directory-errors.js';
import type { ImportPlanRow, UserDirectory } from '../directory/user-directory.js';
import { ApiErrors } from './api-errors.js';
import { jsonResponse } from './api-response.js';
import type { Route } from './route.js';

const YES: ReadonlySet<string> = new Set(['1', 'true', 'yes']);

interface CheckedFile {
  rows: UserCsvRow[];
  /** One entry per row, same order. */
  plan: ImportPlanRow[];
}

/** Checks the whole file and throws every problem found (file shape and each row's fields) at once. */
function checkFile(directory: UserDirectory, text: string): CheckedFile {
  const { rows, errors } = parseUserCsv(text);
  const problems: CsvRowError[] = [...errors];
  let plan: ImportPlanRow[] = [];
  try {
    plan = directory.planImport(rows.map((r) => r.user));
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    for (const e of err.rows)
      problems.push({ row: rows[e.index]?.row ?? 0, field: e.field, message: e.message });
  }
  if (problems.length > 0) throw ApiErrors.importRejected(problems.sort((a, b) => a.row - b.row));
  return { rows, plan };
}

/** A dry run's row: what would be created. Values to be generated show as '' (made at the real import). */
function previewRow(p: ImportPlanRow, row: number) {
  const { extension, name, email, secret, voicemailPin } = p.user;
  return {
    row,
    extension,
    name,
    email,
    secret: p.generated.includes('secret') ? '' : secret,
    voicemailPin: p.generated.includes('voicemailPin') ? '' : voicemailPin,
    generated: p.generated,
  };
}

/** `POST /api/users/import` (CSV, all or nothing, `?dryRun=1`) and `GET /api/users/export` (`?bom=1`). */
export function userImportRoutes(directory: UserDirectory): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/users/import',
      body: 'text',
      handle: ({ text, query }) => {
        const { rows, plan } = checkFile(directory, text);
        if (YES.has((query.get('dryRun') ?? '').toLowerCase())) {
          return jsonResponse(200, {
            dryRun: true,
            wouldImport: plan.length,
            rows: plan.map((p, i) => previewRow(p, rows[i]?.row ?? 0)),
          });
        }
        const users = directory.importMany(rows.map((r) => r.user));
        return jsonResponse(200, { imported: users.length });
      },
    },
    {
      method: 'GET',
      path: '/api/users/export',
      handle: ({ query }) => ({
        status: 200,
        text: formatUserCsv(directory.list(), { bom: YES.has(query.get('bom') ?? '') }),
        contentType: 'text/csv; charset=utf-8',
        headers: { 'Content-Disposition': 'attachment; filename="officepbx-users.csv"' },
      }),
    },
  ];
}
