import assert from 'node:assert/strict';
import { soxSine } from '../support/sox.js';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  accessibilityProblems,
  launchBrowser,
  logInAt,
  openConsole,
  overflowsSideways,
  screenshot,
} from '../support/browser.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { tempDir } from '../support/paths.js';

interface AttendantView {
  extension: string;
  operator: string | null;
  digits: Record<string, { type: string; extension?: string }>;
  schedule: Record<string, { from: string; to: string }[]> | null;
  holidays: string[];
  afterHours: { digits: Record<string, { type: string; extension?: string }> };
}

interface PromptView {
  name: string;
  custom: boolean;
  shipped: boolean;
}

/**
 * The Auto-attendant and Prompts pages against a real engine in Chromium: keys, operator, opening hours,
 * holidays and the after-hours menu are saved through `PUT /api/autoattendant` and read back from the API;
 * what the engine refuses (a key to an operator nobody is, closing before opening, the number of a user) is
 * shown by the field it names. A prompt is played, replaced by an upload (a refused file explained in its
 * row) and reverted to the shipped recording.
 */
describe('auto-attendant and prompts in the console (Chromium, real engine)', () => {
  let pbx: RunningEngine;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const dir = tempDir('console-attendant');

  const attendant = async (): Promise<AttendantView> =>
    (await pbx.api<AttendantView>('GET', '/api/autoattendant')).body;

  async function noAccessibilityProblems(what: string): Promise<void> {
    const problems = await accessibilityProblems(page);
    assert.deepEqual(problems, [], `${what}: ${JSON.stringify(problems, null, 1)}`);
    assert.equal(await overflowsSideways(page), false, `${what} scrolls sideways at 1280×800`);
  }

  before(async () => {
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    for (const [extension, name] of [
      ['201', 'Reception Desk'],
      ['202', 'Sales Team'],
    ]) {
      const r = await pbx.api('POST', '/api/users', { extension, name, secret: `secret-${extension}-abc` });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    browser = await launchBrowser();
    ({ page, pageErrors } = await openConsole(browser, pbx.baseUrl));
    await logInAt(page, '/attendant', pbx.password, 'Auto-attendant');
  });

  after(async () => {
    await browser?.close();
    await pbx?.stop();
  });

  const save = () => page.getByRole('button', { name: 'Save the auto-attendant' }).click();
  const saved = () => page.getByText('Saved. The next caller hears the new settings.').waitFor();

  it('shows the working defaults, explained', async () => {
    const main = page.getByRole('region', { name: 'Main number' });
    assert.equal(await main.getByLabel('Its number', { exact: true }).inputValue(), '800');
    assert.equal(await main.getByLabel('Operator').inputValue(), '');
    const open = page.getByRole('region', { name: 'During office hours' });
    assert.equal(await open.getByLabel('Greeting').inputValue(), 'aa-welcome');
    await open.getByText(/No keys yet/).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: /Always open/ }).isChecked(), true);
    await noAccessibilityProblems('the auto-attendant page');
    await screenshot(page, 'aa-01-defaults');
  });

  it('saves keys; a key to the operator before there is one is refused by that key', async () => {
    const open = page.getByRole('region', { name: 'During office hours' });
    await open.getByRole('button', { name: 'Add a key' }).click();
    await open.getByLabel('Key 1: whose extension').selectOption('202');
    await open.getByRole('button', { name: 'Add a key' }).click();
    await open.getByLabel('Key 2', { exact: true }).selectOption('operator');
    await save();
    const row = open.getByRole('row', { name: /Key 2/ });
    await row
      .getByRole('alert')
      .getByText('No operator is set (set "operator" to an extension first).')
      .waitFor();
    await page.getByText(/^Not saved: No operator is set/).waitFor();
    await noAccessibilityProblems('the auto-attendant with an error');
    await screenshot(page, 'aa-02-key-error');
    assert.deepEqual((await attendant()).digits, {}, 'nothing was saved');

    await page.getByRole('region', { name: 'Main number' }).getByLabel('Operator').selectOption('201');
    await save();
    await saved();
    const a = await attendant();
    assert.equal(a.operator, '201');
    assert.deepEqual(a.digits, { '1': { type: 'extension', extension: '202' }, '2': { type: 'operator' } });
  });

  it('saves opening hours and holidays; closing before opening is refused by that day', async () => {
    await page.getByRole('checkbox', { name: /Always open/ }).uncheck();
    await page.getByLabel('Monday, period 1: closes at').fill('08:00');
    await save();
    const monday = page.getByRole('row', { name: /Monday/ });
    await monday.getByRole('alert').getByText('Must be later than from (09:00).').waitFor();
    await screenshot(page, 'aa-03-hours-error');
    await page.getByLabel('Monday, period 1: closes at').fill('17:30');
    await page.getByRole('button', { name: 'Add a holiday' }).click();
    await page.getByLabel('Holiday 1', { exact: true }).fill('2025-12-25');
    await save();
    await saved();
    const a = await attendant();
    assert.deepEqual(a.schedule?.mon, [{ from: '09:00', to: '17:30' }]);
    assert.deepEqual(a.schedule?.fri, [{ from: '09:00', to: '17:00' }]);
    assert.deepEqual(a.schedule?.sat, []);
    assert.deepEqual(a.holidays, ['2025-12-25']);
  });

  it('saves the after-hours menu (a key to a mailbox), and refuses a user’s number as its own', async () => {
    const closed = page.getByRole('region', { name: 'Outside office hours and on holidays' });
    await closed.getByRole('button', { name: 'Add a key' }).click();
    await closed.getByLabel('Key 1', { exact: true }).selectOption('voicemail');
    await closed.getByLabel('Key 1: whose mailbox').selectOption('201');
    const number = page
      .getByRole('region', { name: 'Main number' })
      .getByLabel('Its number', { exact: true });
    await number.fill('202');
    await save();
    const field = page.getByRole('region', { name: 'Main number' }).locator('.field-invalid');
    await field.getByText("202 is a user's extension; choose a number no one has.").waitFor();
    await number.fill('800');
    await save();
    await saved();
    assert.deepEqual((await attendant()).afterHours.digits, { '1': { type: 'voicemail', extension: '201' } });
    await noAccessibilityProblems('the auto-attendant with hours and menus');
    await screenshot(page, 'aa-04-saved');
  });

  it('plays a prompt, replaces it with an upload (a refused file explained in its row), and reverts it', async () => {
    await page.getByRole('link', { name: 'Prompts' }).first().click();
    await page.getByRole('heading', { name: 'Prompts', exact: true }).waitFor();
    const row = page.getByTestId('prompts-aa-').getByRole('row', { name: /aa-welcome/ });
    await row.getByText('as shipped').waitFor();

    const served = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/prompts/aa-welcome/audio',
      {
        timeout: 10_000,
      },
    );
    await row.getByRole('button', { name: 'Play aa-welcome' }).click();
    const res = await served;
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'audio/wav');
    await noAccessibilityProblems('the prompts page');
    await screenshot(page, 'aa-05-prompts');

    const junk = path.join(dir, 'junk.wav');
    fs.writeFileSync(junk, 'not audio at all\n');
    await page.getByLabel(/Replace… *aa-welcome with a WAV file/).setInputFiles(junk);
    await row.getByRole('alert').waitFor();
    await screenshot(page, 'aa-06-prompt-error');

    const wav = path.join(dir, 'welcome.wav');
    soxSine(wav, { hz: 660, seconds: 1.5, rate: 22050 });
    await page.getByLabel(/Replace… *aa-welcome with a WAV file/).setInputFiles(wav);
    await page.getByText(/aa-welcome now plays your recording welcome\.wav \(1\.5 seconds\)/).waitFor();
    await row.getByText('your own').waitFor();
    const list = (await pbx.api<PromptView[]>('GET', '/api/prompts')).body;
    assert.equal(list.find((p) => p.name === 'aa-welcome')?.custom, true);

    await row.getByRole('button', { name: 'Use the shipped recording of aa-welcome' }).click();
    await row.getByText('as shipped').waitFor();
    const after = (await pbx.api<PromptView[]>('GET', '/api/prompts')).body;
    assert.equal(after.find((p) => p.name === 'aa-welcome')?.custom, false);
    assert.deepEqual(pageErrors, []);
  });
});
