import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import {
  accessibilityProblems,
  launchBrowser,
  logInAt,
  openConsole,
  screenshot,
} from '../support/browser.js';
import { startEngine, type RunningEngine } from '../support/engine-process.js';

const run = promisify(execFile);
const MAC = '001565a1b2c3';
const UA = 'Yealink SIP-T46U 108.86.0.45 00:15:65:a1:b2:c3';

/**
 * The Phones and Network setup pages with a phone played by curl (a real HTTP client asking for the files a
 * Yealink T46U asks for, with its User-Agent): it shows up as discovered without a reload, the admin assigns
 * it an extension in the console, and its next request gets that account.
 */
describe('phones in the console (Chromium, real engine, curl as the phone)', () => {
  let pbx: RunningEngine;
  let browser: Browser;
  let page: Page;
  let provUrl = '';

  /** What the phone gets for `file`, as curl fetches it. */
  async function fetchAsPhone(file: string): Promise<string> {
    const { stdout } = await run('curl', ['-sS', '--fail', '-A', UA, '--max-time', '10', provUrl + file]);
    return stdout;
  }

  before(async () => {
    pbx = await startEngine({ args: ['--qualify-interval', '0'] });
    assert.equal(
      (
        await pbx.api('POST', '/api/users', {
          extension: '201',
          name: 'Reception',
          secret: 'Sip-Secret-201x',
        })
      ).status,
      201,
    );
    const info = (await pbx.api<{ provisioningUrl: string; http: string }>('GET', '/api/provisioning')).body;
    // The service provisions on a free port in tests; the URL it reports names the advertised address.
    provUrl = `http://${info.http}/`.replace('http://0.0.0.0', 'http://127.0.0.1');
    browser = await launchBrowser();
    ({ page } = await openConsole(browser, pbx.baseUrl));
    await logInAt(page, '/phones', pbx.password, 'Phones');
  });

  after(async () => {
    await browser?.close();
    await pbx?.stop();
  });

  it('shows a phone that asks for its files as discovered, without a reload', async () => {
    await page.getByText('None right now.').waitFor();
    const common = await fetchAsPhone('y000000000108.cfg');
    assert.match(common, /^#!version:1\.0\.0\.1/);
    const own = await fetchAsPhone(`${MAC}.cfg`);
    assert.doesNotMatch(own, /account\.1\.user_name\s*=\s*201/, 'an unknown phone gets no account');
    const row = page.getByTestId('discovered-phones').getByRole('row', { name: /00:15:65:a1:b2:c3/ });
    await row.waitFor({ timeout: 5000 });
    assert.match(await row.innerText(), /Yealink T46U/);
    await screenshot(page, '14-phones-discovered');
  });

  it('assigns an extension in the console, and the phone gets that account next time', async () => {
    await page
      .getByTestId('discovered-phones')
      .getByRole('row', { name: /00:15:65:a1:b2:c3/ })
      .getByRole('button', { name: 'Assign extension' })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Choose the extension for line 1.').waitFor();
    await dialog.getByLabel('Name on the console').fill('Front desk');
    await dialog.getByLabel('Line 1').selectOption('201');
    await screenshot(page, '15-phone-assign');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/is set up for 201/).waitFor();
    const row = page.getByTestId('assigned-phones').getByRole('row', { name: /Front desk/ });
    await row.waitFor();
    assert.match(await row.innerText(), /201/);
    const file = await fetchAsPhone(`${MAC}.cfg`);
    assert.match(file, /account\.1\.user_name\s*=\s*201/);
    assert.match(file, /account\.1\.password\s*=\s*Sip-Secret-201x/, 'inside the provisioning window');
    await row.getByRole('button', { name: /Show the settings file/ }).click();
    const pre = page.getByTestId('phone-file');
    await pre.waitFor();
    const shown = await pre.innerText();
    assert.match(shown, /account\.1\.user_name\s*=\s*201/);
    assert.doesNotMatch(shown, /Sip-Secret-201x/, 'the console never shows the password');
    assert.match(shown, /\*{8}/);
    await screenshot(page, '16-phone-file');
    await page.keyboard.press('Escape');
    await row.getByRole('link', { name: 'Front desk' }).click();
    await page.getByRole('heading', { name: 'Front desk' }).waitFor();
    const requests = await page.getByTestId('phone-requests').innerText();
    assert.match(requests, new RegExp(`${MAC}\\.cfg`));
    assert.match(requests, /y000000000108\.cfg/);
    assert.deepEqual(await accessibilityProblems(page), [], 'axe on the phone page');
    await screenshot(page, '17-phone-detail');
  });

  it('shows the DHCP values for the office router', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network setup' }).click();
    await page.getByRole('heading', { name: 'Network setup for phones' }).waitFor();
    const info = (await pbx.api<{ dhcp: { option66: string } }>('GET', '/api/provisioning')).body;
    assert.equal(await page.getByTestId('dhcp-option-66').innerText(), info.dhcp.option66);
    assert.deepEqual(await accessibilityProblems(page), [], 'axe on the network setup page');
    await page.getByRole('link', { name: 'Phones', exact: true }).click();
    assert.deepEqual(await accessibilityProblems(page), [], 'axe on the phones page');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network setup' }).click();
    await screenshot(page, '18-network-setup');
  });
});
