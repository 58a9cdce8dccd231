import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  accessibilityProblems,
  launchBrowser,
  openConsole,
  overflowsSideways,
  screenshot,
} from '../support/browser.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { freePort } from '../support/ports.js';
import { realtimeAllowed } from '../support/realtime.js';
import { tempDir } from '../support/paths.js';
import { registerArgs, runSipp, scenario, startSipp, uacArgs, uasArgs } from '../support/sipp.js';

/**
 * The console end to end: Debian's Chromium driven by Playwright against a real engine (fresh data
 * folder, no admin password: a first install), with sipp as the phones. Screenshots of every page go to
 * test-artifacts/console/.
 */
describe('console (Chromium, real engine, sipp phones)', () => {
  let pbx: RunningEngine;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const ADMIN = 'first-run-secret-42';
  let secret201 = '';
  const secret202 = 'Pw202-abcdefgh';

  before(async () => {
    // No keep-alives: a sipp callee run with -m 1 counts an auto-answered OPTIONS as its one call.
    pbx = await startEngine({ firstRun: true, args: ['--qualify-interval', '0'] });
    browser = await launchBrowser();
    ({ page, pageErrors } = await openConsole(browser, pbx.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await pbx?.stop();
  });

  it('refuses the API without a login, and shows the first-run wizard on a fresh install', async () => {
    const anon = await fetch(`${pbx.baseUrl}/api/users`);
    assert.equal(anon.status, 401);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Welcome to OfficePBX' }).waitFor();
    await screenshot(page, '01-setup-password');
    // Too short, then two different passwords: each message sits by its field.
    await page.getByLabel('Admin password').fill('short');
    await page.getByLabel('Type it again').fill('short');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Choose at least 8 characters.').waitFor();
    await page.getByLabel('Admin password').fill(ADMIN);
    await page.getByLabel('Type it again').fill(ADMIN + 'x');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('Type it again').fill(ADMIN);
    await page.getByRole('button', { name: 'Next' }).click();
    // The engine runs with --advertise 127.0.0.1: that interface is offered and chosen already.
    const loopback = page.getByRole('radio', { name: /127\.0\.0\.1/ });
    await loopback.waitFor();
    assert.equal(await loopback.isChecked(), true);
    await screenshot(page, '02-setup-address');
    await page.getByRole('button', { name: 'Finish setup' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('Setup is done. Next, add your users.').waitFor();
    // The password now works for the REST API too, and the wizard is closed for good.
    const basic = 'Basic ' + Buffer.from(`admin:${ADMIN}`).toString('base64');
    assert.equal(
      (await fetch(`${pbx.baseUrl}/api/users`, { headers: { authorization: basic } })).status,
      200,
    );
    const again = await fetch(`${pbx.baseUrl}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'another-password', advertise: '127.0.0.1' }),
    });
    assert.equal(again.status, 409);
    pbx.password = ADMIN;
  });

  it('adds a user with field-level validation and a generated password', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Extension').fill('2a');
    await dialog.getByLabel('Name').fill('Alice Example');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.getByText('Use 2 to 15 digits, for example 201.').waitFor();
    await dialog.getByLabel('Extension').fill('201');
    secret201 = await dialog.getByLabel('SIP password').inputValue();
    assert.match(secret201, /^[A-Za-z0-9]{20}$/, 'a generated 20-character password');
    await screenshot(page, '03-user-add');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added 201 (Alice Example).').waitFor();
    // The server validates too: a duplicate extension is refused next to the field.
    await page.getByRole('button', { name: 'Add user' }).click();
    await dialog.getByLabel('Extension').fill('201');
    await dialog.getByLabel('Name').fill('Someone Else');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.locator('.field-invalid').getByRole('alert').waitFor();
    assert.match(await dialog.locator('.field-invalid').innerText(), /Extension[\s\S]*201/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const stored = (await pbx.api<{ extension: string; secret: string }>('GET', '/api/users/201')).body;
    assert.equal(stored.secret, secret201);
    const b = await pbx.api('POST', '/api/users', { extension: '202', name: 'Bob', secret: secret202 });
    assert.equal(b.status, 201);
    await page.getByRole('cell', { name: 'Bob', exact: true }).waitFor();
  });

  it('shows a phone registering on the dashboard without a reload', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const card = page.getByTestId('registered');
    await card.getByText('0 / 2').waitFor();
    // The relay's threads asked for real-time priority (the engine's default): the status says what they got.
    const relayFact = page
      .locator('dt', { hasText: 'Audio relay' })
      .locator('xpath=following-sibling::dd[1]');
    await relayFact.waitFor();
    if (realtimeAllowed(10)) assert.match(await relayFact.innerText(), /ports \d+-\d+, real-time priority$/);
    else assert.match(await relayFact.innerText(), /normal priority.*audio may stutter/);
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    const port = await freePort();
    const reg = await runSipp(
      registerArgs(`127.0.0.1:${pbx.sipPort}`, { user: '201', password: secret201 }, port),
      15,
    );
    assert.equal(reg.code, 0, reg.stderr);
    await card.getByText('1 / 2').waitFor({ timeout: 5000 });
    // Same page, not reloaded: the marker set before the REGISTER is still there.
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker), 42);
    await screenshot(page, '04-dashboard-registered');
    await page.getByRole('link', { name: 'Registrations' }).click();
    const row = page.getByTestId('registrations-table').getByRole('row', { name: /201/ });
    await row.waitFor();
    assert.match(await row.innerText(), /UDP/);
    assert.match(await row.innerText(), /127\.0\.0\.1:\d+/);
    await screenshot(page, '05-registrations');
  });

  it('lists a call between two sipp phones in the call log with disposition, duration and SIP ladder', async () => {
    const target = `127.0.0.1:${pbx.sipPort}`;
    const calleePort = await freePort();
    const reg = await runSipp(registerArgs(target, { user: '202', password: secret202 }, calleePort), 15);
    assert.equal(reg.code, 0, reg.stderr);
    const uas = startSipp(uasArgs(scenario('uas-answer.xml'), calleePort), 30);
    await new Promise((r) => setTimeout(r, 300));
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const uac = startSipp(
      uacArgs(
        target,
        scenario('uac-call.xml'),
        { user: '201', password: secret201 },
        await freePort(),
        '202',
        '-d',
        '3000',
      ),
      30,
    );
    // While it lasts the call is on the dashboard, live.
    await page
      .getByTestId('active-calls-table')
      .getByRole('cell', { name: 'talking' })
      .waitFor({ timeout: 8000 });
    await screenshot(page, '06-dashboard-call');
    assert.equal((await uac.done).code, 0);
    assert.equal((await uas.done).code, 0);
    await page.getByRole('link', { name: 'Call log', exact: true }).click();
    const row = page.getByTestId('cdr-table').getByRole('row').nth(1);
    await row.getByText('answered').waitFor({ timeout: 5000 });
    const cells = await row.getByRole('cell').allInnerTexts();
    assert.equal(cells[1], '201');
    assert.equal(cells[2], '202');
    assert.match(cells[3] ?? '', /^0:0[2-4]$/, `talk time ${cells[3]}`);
    await screenshot(page, '07-call-log');
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: 'Call from 201 to 202' }).waitFor();
    const ladder = page.getByTestId('ladder');
    await ladder
      .getByRole('button', { name: /INVITE 202$/ })
      .first()
      .waitFor();
    for (const step of [/200 OK$/, /ACK \d+$/, /BYE( \S+)?$/])
      await ladder.getByRole('button', { name: step }).first().waitFor();
    await ladder
      .getByRole('button', { name: /INVITE 202$/ })
      .first()
      .click();
    assert.match(await page.getByTestId('sip-message').innerText(), /^INVITE sip:202@/);
    await screenshot(page, '08-call-detail');
    // Filters: by disposition, nothing is BUSY; by extension, the call is there.
    await page.getByRole('link', { name: '← Back to the call log' }).click();
    await page.getByLabel('Result').selectOption('BUSY');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('No calls match.').waitFor();
    await page.getByLabel('Result').selectOption('');
    await page.getByLabel('Extension').fill('202');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByTestId('pager-range').getByText('1–1 of 1').waitFor();
  });

  it('refuses a CSV import with one bad row and imports nothing until it is fixed', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog');
    const bad = 'extension,name,email\n301,Carol,carol@example.com\n30x,Dave,dave@example.com\n303,Erin,\n';
    await dialog
      .getByLabel('CSV file')
      .setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    const errors = dialog.getByTestId('import-errors');
    await errors.waitFor();
    const errorRow = await errors.getByRole('row').nth(1).getByRole('cell').allInnerTexts();
    assert.equal(errorRow[0], '3', 'the spreadsheet row of the bad line');
    assert.equal(errorRow[1], 'extension');
    assert.equal(await dialog.getByRole('button', { name: /^Import \d* ?users$/ }).isDisabled(), true);
    await screenshot(page, '09-import-error');
    const users = (await pbx.api<unknown[]>('GET', '/api/users')).body;
    assert.equal(users.length, 2, 'nothing was imported');
    const fixed = bad.replace('30x', '302');
    await dialog
      .getByLabel('CSV file')
      .setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
    await dialog.getByTestId('import-preview').waitFor();
    await screenshot(page, '10-import-preview');
    await dialog.getByRole('button', { name: 'Import 3 users' }).click();
    await page.getByText('Imported 3 users.').waitFor();
    await page.getByRole('cell', { name: 'Dave', exact: true }).waitFor();
    assert.equal((await pbx.api<unknown[]>('GET', '/api/users')).body.length, 5);
  });

  it('exports users and calls as CSV that import back unchanged', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const file = path.join(tempDir('export'), 'users.csv');
    await download.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    // Round trip: a fresh OfficePBX imports the file through its console and holds the same users.
    const other = await startEngine();
    try {
      const { context, page: p2 } = await openConsole(browser, other.baseUrl);
      await p2.goto('/');
      await p2.getByLabel('Admin password').fill(other.password);
      await p2.getByRole('button', { name: 'Log in' }).click();
      await p2.getByRole('link', { name: 'Users' }).click();
      await p2.getByRole('button', { name: 'Import CSV' }).click();
      await p2.getByRole('dialog').getByLabel('CSV file').setInputFiles(file);
      await p2.getByRole('dialog').getByRole('button', { name: 'Import 5 users' }).click();
      await p2.getByText('Imported 5 users.').waitFor();
      await context.close();
      type U = { extension: string; name: string; email: string; secret: string; voicemailPin: string };
      const pick = (list: U[]) =>
        list.map(({ extension, name, email, secret, voicemailPin }) => ({
          extension,
          name,
          email,
          secret,
          voicemailPin,
        }));
      const mine = pick((await pbx.api<U[]>('GET', '/api/users')).body);
      const theirs = pick((await other.api<U[]>('GET', '/api/users')).body);
      assert.deepEqual(theirs, mine);
      assert.ok(csv.includes(secret201));
    } finally {
      await other.stop();
    }
    await page.getByRole('link', { name: 'Call log', exact: true }).click();
    const [cdr] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const cdrFile = path.join(tempDir('export'), 'calls.csv');
    await cdr.saveAs(cdrFile);
    const lines = fs.readFileSync(cdrFile, 'utf8').trim().split(/\r?\n/);
    assert.equal(lines.length, 2, 'a header and the one call');
    assert.match(lines[1] ?? '', /201,202,.*ANSWERED/);
  });

  it('asks before deleting a user: Keep keeps them, Delete removes them', async () => {
    const r = await pbx.api('POST', '/api/users', {
      extension: '299',
      name: 'Temp Worker',
      secret: 'temp-secret-299',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await page.getByRole('link', { name: 'Users' }).click();
    const remove = page.getByRole('button', { name: 'Delete 299 Temp Worker' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Delete 299?' });
    await dialog.getByText('Temp Worker’s phone will be logged out').waitFor();
    await dialog.getByRole('button', { name: 'Keep', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await pbx.api('GET', '/api/users/299')).status, 200, 'Keep keeps them');
    await remove.click();
    await dialog.getByRole('button', { name: 'Delete 299', exact: true }).click();
    await page.getByText('Deleted 299 (Temp Worker).').waitFor();
    assert.equal((await pbx.api('GET', '/api/users/299')).status, 404);
  });

  it('passes axe on every page, fits 1280×800 and a laptop screen with long names, and works by keyboard', async () => {
    const longName =
      'Maximiliana Alexandrina Konstantinopoulou-Featherstonehaugh, Accounts Receivable, 2nd floor';
    const r = await pbx.api('POST', '/api/users', {
      extension: '123456789012345',
      name: longName,
      email: 'maximiliana.konstantinopoulou-featherstonehaugh@accounts-receivable.example.com',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const cdr = (await pbx.api<{ records: { id: number }[] }>('GET', '/api/cdr')).body.records[0]!;
    const pages: [string, string][] = [
      ['/', 'Dashboard'],
      ['/users', 'Users'],
      ['/registrations', 'Registrations'],
      ['/calls', 'Call log'],
      [`/calls/${cdr.id}`, 'Call from 201 to 202'],
    ];
    for (const size of [
      { width: 1280, height: 800 },
      { width: 1366, height: 768 },
    ]) {
      await page.setViewportSize(size);
      for (const [p, heading] of pages) {
        await page.goto(p);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        if (p === '/users') await page.getByRole('cell', { name: longName, exact: true }).waitFor();
        assert.equal(
          await overflowsSideways(page),
          false,
          `${p} at ${size.width}×${size.height} scrolls sideways`,
        );
        if (size.width === 1280) assert.deepEqual(await accessibilityProblems(page), [], `axe on ${p}`);
      }
    }
    await page.goto('/users');
    await page.getByRole('cell', { name: longName, exact: true }).waitFor();
    await screenshot(page, '12-users-laptop-long-name');
    await page.setViewportSize({ width: 1280, height: 800 });
    // Keyboard only: Tab to "Add user", Enter, type, Tab, type, Enter.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    let focused = '';
    for (let i = 0; i < 30 && focused !== 'Add user'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document
            .activeElement?.textContent ?? '',
      );
    }
    assert.equal(focused, 'Add user', 'the Add user button is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.keyboard.type('401');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Keyboard User');
    await page.keyboard.press('Enter');
    await page.getByText('Added 401 (Keyboard User).').waitFor();
    assert.equal((await pbx.api('GET', '/api/users/401')).status, 200);
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Call log', exact: true }).click();
    await page.getByRole('heading', { name: 'Call log' }).waitFor();
  });

  it('logs out, refuses a wrong password, and logs back in', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You have logged out.').waitFor();
    const cookieApi = await page.evaluate(
      async () => (await fetch('/api/users', { headers: { 'X-PBX-Console': '1' } })).status,
    );
    assert.equal(cookieApi, 401, 'the old session no longer opens the API');
    await page.getByLabel('Admin password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That is not the admin password.').waitFor();
    await screenshot(page, '11-login-error');
    await page.getByLabel('Admin password').fill(ADMIN);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Back where the admin was (the call log), with the session working again.
    await page.getByRole('heading', { name: 'Call log' }).waitFor();
    await page.getByTestId('cdr-table').getByText('answered').waitFor();
    assert.deepEqual(pageErrors, [], 'no script errors in the console');
  });
});
