import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CsvSyntaxError,
  formatCsv,
  formatUserCsv,
  guardFormula,
  parseCsv,
  parseUserCsv,
  unguardFormula,
} from '../../engine/csv/index.js';
import type { User } from '../../engine/directory/index.js';

describe('RFC 4180 CSV', () => {
  it('parses quoted fields, "" escapes, embedded separators and line breaks', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n';
    assert.deepEqual(parseCsv(text), [
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\r\nlines'],
    ]);
  });

  it('accepts LF or CRLF, a BOM, and no or one trailing line break', () => {
    const expected = [
      ['a', 'b'],
      ['1', '2'],
    ];
    assert.deepEqual(parseCsv('a,b\n1,2'), expected);
    assert.deepEqual(parseCsv('a,b\n1,2\n'), expected);
    assert.deepEqual(parseCsv('\uFEFFa,b\r\n1,2\r\n'), expected);
  });

  it('keeps empty fields and empty quoted fields', () => {
    assert.deepEqual(parseCsv(',,\n"",x,""\n'), [
      ['', '', ''],
      ['', 'x', ''],
    ]);
    assert.deepEqual(parseCsv('a\n""'), [['a'], ['']]);
  });

  it('reports an unclosed quote and text after a closing quote with the line', () => {
    assert.throws(
      () => parseCsv('a\n"open\nstill open'),
      (err: unknown) => {
        assert.ok(err instanceof CsvSyntaxError);
        assert.equal(err.line, 2);
        assert.match(err.message, /never closed/);
        return true;
      },
    );
    assert.throws(() => parseCsv('a\n"x"y,z'), { message: /line 2: unexpected text after a closing quote/ });
  });

  it('formats with quotes only where needed and CRLF, and parses back to the same', () => {
    const records = [['plain', 'with,comma', 'with "quote"', 'multi\nline', ' padded ', 'semi;colon', '']];
    const text = formatCsv(records);
    assert.equal(text, 'plain,"with,comma","with ""quote""","multi\nline"," padded ","semi;colon",\r\n');
    assert.deepEqual(parseCsv(text), records);
  });

  it('guards spreadsheet formulas on export and restores them on import', () => {
    for (const v of ['=1+1', '+49 30', '-x', '@SUM(A1)', "'=already", "''=twice", "'plain", 'plain']) {
      assert.equal(unguardFormula(guardFormula(v)), v, v);
    }
    assert.equal(guardFormula('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
    assert.equal(guardFormula('Anna'), 'Anna');
  });
});

describe('users CSV', () => {
  it('matches headers ignoring case, spaces and underscores; secret and PIN columns may be missing', () => {
    const { rows, errors } = parseUserCsv('Extension,NAME,E-Mail\n201,Anna,anna@example.com\n\n202,Ben,\n');
    assert.deepEqual(errors, []);
    assert.deepEqual(rows, [
      { row: 2, user: { extension: '201', name: 'Anna', email: 'anna@example.com' } },
      { row: 4, user: { extension: '202', name: 'Ben', email: '' } },
    ]);
    const pin = parseUserCsv('extension,name,Voicemail PIN,voicemail_pin\n');
    assert.deepEqual(pin.errors, [
      { row: 1, field: 'voicemailPin', message: 'column "voicemail_pin" appears twice' },
    ]);
  });

  it('names an unknown column, and a missing required one', () => {
    const unknown = parseUserCsv('extension,name,department\n201,Anna,Sales\n');
    assert.equal(unknown.errors[0]?.field, 'department');
    assert.match(unknown.errors[0]!.message, /unknown column "department"/);
    const missing = parseUserCsv('name,email\nAnna,\n');
    assert.equal(missing.errors[0]?.field, 'extension');
    assert.match(missing.errors[0]!.message, /no "extension" column/);
  });

  it('reads a semicolon-separated file from a European spreadsheet', () => {
    const { rows, errors } = parseUserCsv('extension;name\r\n201;"Berg; Anna"\r\n');
    assert.deepEqual(errors, []);
    assert.deepEqual(rows[0]?.user, { extension: '201', name: 'Berg; Anna' });
  });

  it('reports rows with more values than columns, and an empty file', () => {
    const { errors } = parseUserCsv('extension,name\n201,Anna,extra\n202,Ben,,\n');
    assert.deepEqual(
      errors.map((e) => e.row),
      [2],
    );
    assert.match(parseUserCsv('').errors[0]!.message, /the file is empty/);
  });

  it('writes the header row and round-trips users exactly', () => {
    const users: User[] = [
      {
        extension: '201',
        name: 'Berg, "Anna"',
        secret: '=cmd|x!A1',
        email: '',
        voicemailPin: '0042',
        createdAt: 1,
        updatedAt: 1,
      },
    ];
    const text = formatUserCsv(users);
    assert.ok(text.startsWith('extension,name,secret,email,voicemailPin\r\n'));
    assert.deepEqual(parseUserCsv(text).rows[0]?.user, {
      extension: '201',
      name: 'Berg, "Anna"',
      secret: '=cmd|x!A1',
      email: '',
      voicemailPin: '0042',
    });
    assert.ok(formatUserCsv(users, { bom: true }).startsWith('\uFEFFextension'));
  });
});
