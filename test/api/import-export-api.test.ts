import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Harness } from './api-harness.js';
import { startHarness } from './api-harness.js';

type Json = Record<string, unknown>;
interface RowProblem {
  row: number;
  field?: string;
  message: string;
}

describe('users CSV import and export API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(() => {
    for (const u of h.directory.list()) h.directory.delete(u.extension);
  });

  const importCsv = (csv: string | Buffer, query = '') =>
    h.call('POST', `/api/users/import${query}`, { body: csv, headers: { 'content-type': 'text/csv' } });
  const countInDb = () => (h.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;

  it('imports every row; missing secrets and PINs are generated', async () => {
    const csv =
      '\uFEFFExtension,Name,Email,Secret\r\n201,"Berg, Anna",anna@example.com,\r\n202,Ben,,given-secret-202\r\n';
    const res = await importCsv(csv);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { imported: 2 });
    assert.equal(h.directory.get('201')?.name, 'Berg, Anna');
    assert.match(h.directory.get('201')?.secret ?? '', /^[A-HJ-NP-Za-km-z2-9]{20}$/);
    assert.match(h.directory.get('201')?.voicemailPin ?? '', /^\d{6}$/);
    assert.equal(h.directory.get('202')?.secret, 'given-secret-202');
    assert.equal(countInDb(), 2);
  });

  it('writes nothing when any row is wrong, and lists each problem with its row and field', async () => {
    h.directory.create({ extension: '200', name: 'Existing' });
    const csv = [
      'extension,name,email,voicemailPin',
      '201,Good,,1234', //                                  row 2: fine
      '20x,Bad Ext,,1234', //                               row 3
      '203,,nope,12', //                                    row 4: name, email, pin
      '200,Clash,,', //                                     row 5: exists
      '201,Twice,,', //                                     row 6: twice in the file
    ].join('\n');
    const res = await importCsv(csv);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; rows: RowProblem[] };
    assert.match(body.error, /6 problems; nothing was imported/);
    assert.deepEqual(
      body.rows.map((r) => [r.row, r.field]),
      [
        [3, 'extension'],
        [4, 'name'],
        [4, 'email'],
        [4, 'voicemailPin'],
        [5, 'extension'],
        [6, 'extension'],
      ],
    );
    assert.match(body.rows[4]!.message, /extension 200 already exists/);
    assert.equal(h.directory.get('201'), undefined);
    assert.equal(countInDb(), 1);
  });

  it('names an unknown column and refuses the whole file', async () => {
    const res = await importCsv('extension,name,department\n201,Anna,Sales\n');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { rows: RowProblem[] };
    assert.equal(body.rows[0]?.row, 1);
    assert.equal(body.rows[0]?.field, 'department');
    assert.match(body.rows[0]!.message, /unknown column "department"/);
    assert.equal(countInDb(), 0);
  });

  it("refuses a file that is not UTF-8 (e.g. Excel's Windows-1252 CSV)", async () => {
    const latin1 = Buffer.from('extension,name\n201,J\xfcrgen\n', 'latin1');
    const res = await importCsv(latin1);
    assert.equal(res.status, 400);
    assert.match(String(((await res.json()) as Json).error), /CSV UTF-8/);
  });

  it('a dry run shows what would be imported and writes nothing', async () => {
    const csv = 'extension,name,secret\n201,Anna,\n202,Ben,given-secret-202\n';
    const res = await importCsv(csv, '?dryRun=1');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { dryRun: boolean; wouldImport: number; rows: Json[] };
    assert.equal(body.dryRun, true);
    assert.equal(body.wouldImport, 2);
    assert.deepEqual(body.rows[0], {
      row: 2,
      extension: '201',
      name: 'Anna',
      email: '',
      secret: '',
      voicemailPin: '',
      generated: ['secret', 'voicemailPin'],
    });
    assert.equal(body.rows[1]?.secret, 'given-secret-202');
    assert.equal(h.directory.count(), 0);
    assert.equal(countInDb(), 0);
    const bad = await importCsv('extension,name\nx,\n', '?dryRun=1');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { rows: RowProblem[] }).rows.length, 2);
  });

  it('export → delete all → import gives back the same users', async () => {
    h.directory.create({
      extension: '201',
      name: 'Berg, "Anna"',
      email: 'anna@example.com',
      voicemailPin: '0042',
    });
    h.directory.create({ extension: '202', name: '=SUM(1+1) Ben', secret: '-starts-with-dash' });
    h.directory.create({ extension: '1000', name: 'Zoë Ünal' });
    const before = h.directory.list().map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest);

    const res = await h.call('GET', '/api/users/export');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="[^"]+\.csv"$/);
    const csv = await res.text();
    assert.ok(csv.startsWith('extension,name,secret,email,voicemailPin\r\n'));
    assert.ok(csv.includes(`'=SUM(1+1) Ben`), 'formulas are defused for spreadsheets');

    for (const u of h.directory.list())
      assert.equal((await h.call('DELETE', `/api/users/${u.extension}`)).status, 204);
    assert.equal(countInDb(), 0);

    const imported = await importCsv(csv);
    assert.deepEqual(await imported.json(), { imported: 3 });
    const afterImport = h.directory.list().map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest);
    assert.deepEqual(afterImport, before);
  });

  it('export can carry a BOM for Excel', async () => {
    h.directory.create({ extension: '201', name: 'Anna' });
    const text = Buffer.from(await (await h.call('GET', '/api/users/export?bom=1')).arrayBuffer());
    assert.deepEqual([...text.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  });
});
