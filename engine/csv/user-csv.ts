import type { NewUser, User, UserField } from '../directory/user.js';
import { USER_FIELDS } from '../directory/user.js';
import { parseCsv, formatCsv } from './csv.js';
import { CsvSyntaxError } from './csv-errors.js';
import { guardFormula, unguardFormula } from './formula-guard.js';

/** One user read from a file; `row` is the spreadsheet row number (the header is row 1). */
export interface UserCsvRow {
  row: number;
  user: NewUser;
}

/** A problem with the file itself or one of its rows; `field` names the column when there is one. */
export interface CsvRowError {
  row: number;
  field?: string;
  message: string;
}

export interface UserCsv {
  rows: UserCsvRow[];
  errors: CsvRowError[];
}

const REQUIRED: readonly UserField[] = ['extension', 'name'];
const COLUMN_LIST = USER_FIELDS.join(',');

/** Header cells match field names ignoring case, spaces, '-' and '_' ("Voicemail PIN" is voicemailPin). */
function columnKey(header: string): string {
  return header.toLowerCase().replace(/[\s_-]+/g, '');
}
const FIELD_BY_KEY = new Map<string, UserField>(USER_FIELDS.map((f) => [columnKey(f), f]));

/** ',' unless the header line uses ';' and no ',' (a spreadsheet saved with a European list separator). */
function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  return !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
}

function readHeader(header: readonly string[]): { columns: UserField[]; errors: CsvRowError[] } {
  const columns: UserField[] = [];
  const errors: CsvRowError[] = [];
  header.forEach((raw, i) => {
    const name = raw.trim();
    const field = FIELD_BY_KEY.get(columnKey(name));
    if (name === '') errors.push({ row: 1, message: `column ${i + 1} has no name in the header row` });
    else if (!field) {
      errors.push({
        row: 1,
        field: name,
        message: `unknown column "${name}" (the columns are: ${COLUMN_LIST})`,
      });
    } else if (columns.includes(field))
      errors.push({ row: 1, field, message: `column "${name}" appears twice` });
    else columns.push(field);
  });
  const headerOk = errors.length === 0;
  for (const f of REQUIRED) {
    if (headerOk && !columns.includes(f)) {
      errors.push({
        row: 1,
        field: f,
        message: `the file has no "${f}" column (the columns are: ${COLUMN_LIST})`,
      });
    }
  }
  return { columns, errors };
}

/**
 * Reads a users file: a header row naming the columns (any order; secret, email and voicemailPin may
 * be left out, and empty secrets and PINs are generated on import), then one user per row. Blank rows
 * are skipped. Values are not validated here beyond the file's shape: the directory does that.
 */
export function parseUserCsv(text: string): UserCsv {
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter: detectDelimiter(text.replace(/^\uFEFF/, '')) });
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { rows: [], errors: [{ row: err.row, message: err.message }] };
    throw err;
  }
  const [header, ...data] = records;
  if (!header || header.every((h) => h.trim() === '')) {
    return {
      rows: [],
      errors: [{ row: 1, message: `the file is empty; its first row must name the columns: ${COLUMN_LIST}` }],
    };
  }
  const { columns, errors } = readHeader(header);
  if (errors.length > 0) return { rows: [], errors };
  const rows: UserCsvRow[] = [];
  data.forEach((cells, i) => {
    const row = i + 2;
    if (cells.every((c) => c.trim() === '')) return;
    const extra = cells.slice(columns.length).filter((c) => c.trim() !== '');
    if (extra.length > 0) {
      errors.push({
        row,
        message: `row ${row} has ${cells.length} values but the header names ${columns.length} columns`,
      });
      return;
    }
    const user: Record<string, string> = {};
    columns.forEach((field, c) => (user[field] = unguardFormula(cells[c] ?? '')));
    rows.push({ row, user: user as NewUser }); // shape checked by the directory's validation
  });
  return { rows, errors };
}

/** Writes users as CSV in the column order parseUserCsv reads; `bom` helps Excel see UTF-8. */
export function formatUserCsv(users: readonly User[], options: { bom?: boolean } = {}): string {
  const records = [[...USER_FIELDS], ...users.map((u) => USER_FIELDS.map((f) => guardFormula(u[f])))];
  return (options.bom ? '\uFEFF' : '') + formatCsv(records);
}
