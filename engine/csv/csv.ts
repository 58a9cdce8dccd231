import { CsvSyntaxError } from './csv-errors.js';

export interface CsvOptions {
  /** Field separator; ',' by default (spreadsheets set to some European locales write ';'). */
  delimiter?: string;
}

/**
 * Parses RFC 4180 CSV: fields separated by the delimiter, records by CRLF or LF; a field in double
 * quotes may hold the delimiter, line breaks and `""` for a quote. A leading byte-order mark and a
 * final line break are ignored. Every record is returned, blank ones as `['']`.
 */
export function parseCsv(text: string, options: CsvOptions = {}): string[][] {
  const delimiter = options.delimiter ?? ',';
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = 0;
  const endField = (): void => {
    record.push(field);
    field = '';
    quoted = false;
  };
  const endRecord = (): void => {
    endField();
    records.push(record);
    record = [];
  };
  const fail = (at: number, why: string): never => {
    throw new CsvSyntaxError(records.length + 1, at, why);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' && field === '' && !quoted) {
      const openedOn = line;
      quoted = true;
      i++;
      for (;;) {
        const q = src[i];
        if (q === undefined) fail(openedOn, 'a quoted value is never closed (a " is missing)');
        i++;
        if (q === '"') {
          if (src[i] !== '"') break;
          i++;
        } else if (q === '\n') line++;
        field += q;
      }
      const next = src[i];
      const atEnd =
        next === undefined || next === delimiter || next === '\n' || (next === '\r' && src[i + 1] === '\n');
      if (!atEnd)
        fail(line, 'unexpected text after a closing quote (a " inside a value must be written as "")');
    } else if (c === delimiter) {
      endField();
      i++;
    } else if (c === '\n' || (c === '\r' && src[i + 1] === '\n')) {
      endRecord();
      line++;
      i += c === '\r' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || quoted || record.length > 0) endRecord();
  return records;
}

const NEEDS_QUOTES = /[",\r\n;]|^\s|\s$/;

function formatField(value: string, delimiter: string): string {
  if (!NEEDS_QUOTES.test(value) && !value.includes(delimiter)) return value;
  return `"${value.replaceAll('"', '""')}"`;
}

/** Writes records as RFC 4180 CSV: CRLF line ends, quotes only where needed, a final CRLF. */
export function formatCsv(records: readonly (readonly string[])[], options: CsvOptions = {}): string {
  const delimiter = options.delimiter ?? ',';
  return records.map((r) => r.map((v) => formatField(v, delimiter)).join(delimiter) + '\r\n').join('');
}
