import assert from 'node:assert/strict';
import { soxSine } from '../support/sox.js';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeBaresipProfile, runBaresip } from '../support/baresip.js';
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

interface MessageView {
  id: number;
  caller: string;
  seconds: number;
  heard: boolean;
}

interface SettingsView {
  ringSeconds: number;
  onNoAnswer: boolean;
  onBusy: boolean;
  onUnavailable: boolean;
}

const CALLER = { extension: '5101', name: 'Carol Caller', secret: 'caller-secret-5101' };

/**
 * The console's voicemail pages end to end: a real engine, baresip as a caller who dials *201 and speaks a
 * 1 kHz tone into 201's mailbox through the proxy and the voicemail application, and Chromium as the office
 * manager who sees the message arrive without a reload, plays it in the page (which marks it heard),
 * downloads it, marks it new again, deletes it after a confirmation, and sets when 201's calls go to
 * voicemail (a refused ring time is explained by its field).
 */
describe('voicemail in the console (Chromium, real engine, baresip caller)', () => {
  let pbx: RunningEngine;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const dataDir = tempDir('console-voicemail');
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);
  let messageId = 0;

  async function messages(): Promise<MessageView[]> {
    const r = await pbx.api<MessageView[]>('GET', '/api/voicemail/201');
    assert.equal(r.status, 200);
    return r.body;
  }

  async function noAccessibilityProblems(what: string): Promise<void> {
    const problems = await accessibilityProblems(page);
    assert.deepEqual(problems, [], `${what}: ${JSON.stringify(problems, null, 1)}`);
    assert.equal(await overflowsSideways(page), false, `${what} scrolls sideways at 1280×800`);
  }

  before(async () => {
    pbx = await startEngine({
      dataDir,
      args: ['--qualify-interval', '0', '--apps-rtp-ports', `${base}-${base + 19}`],
    });
    for (const u of [{ extension: '201', name: 'Alice Example', secret: 'alice-secret-201' }, CALLER]) {
      const r = await pbx.api('POST', '/api/users', u);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    browser = await launchBrowser();
    ({ page, pageErrors } = await openConsole(browser, pbx.baseUrl));
    await logInAt(page, '/voicemail', pbx.password, 'Voicemail');
  });

  after(async () => {
    await browser?.close();
    await pbx?.stop();
  });

  it('lists every mailbox with its counts and opens an empty one', async () => {
    const table = page.getByTestId('mailboxes-table');
    const row = table.getByRole('row', { name: /Alice Example/ });
    await row.waitFor();
    assert.match(await row.innerText(), /201[\s\S]*none[\s\S]*0[\s\S]*standard/);
    await page.getByText('No new messages.').waitFor();
    await noAccessibilityProblems('the mailbox list');
    await screenshot(page, 'vm-01-mailboxes');
    await page.getByRole('link', { name: 'Alice Example', exact: true }).click();
    await page.getByRole('heading', { name: 'Voicemail for Alice Example (201)' }).waitFor();
    await page.getByTestId('message-count').getByText('No messages.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/voicemail/201');
  });

  it('shows a message left through the proxy (*201) without a reload', { timeout: 60_000 }, async () => {
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7));
    const profile = await makeBaresipProfile(
      CALLER.extension,
      CALLER.secret,
      `127.0.0.1:${pbx.sipPort}`,
      1000,
    );
    // The greeting reads out the extension (about 6 s), a beep, then the tone is recorded until baresip
    // quits and hangs up.
    const caller = runBaresip(profile, 15, ['/dial *201']);
    const row = page.getByTestId('messages-table').getByRole('row', { name: /5101/ });
    await row.waitFor({ timeout: 40_000 });
    await caller.exited;
    // Same page, not reloaded: the marker set before the call is still there.
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker), 7);
    const list = await messages();
    assert.equal(list.length, 1, JSON.stringify(list));
    const m = list[0]!;
    messageId = m.id;
    assert.equal(m.caller, CALLER.extension);
    assert.equal(m.heard, false);
    assert.ok(m.seconds >= 2, `${m.seconds} s recorded: ${caller.output().slice(-1500)}`);
    const text = await row.innerText();
    // baresip sends no display name: the console names a colleague from the directory.
    assert.match(text, /Carol Caller\s+5101/);
    assert.match(text, /new/);
    assert.match(text, /0:0\d/, 'the length as m:ss');
    await page.getByTestId('message-count').getByText('1 message, 1 new. Newest first.').waitFor();
    await noAccessibilityProblems('a mailbox with a message');
    await screenshot(page, 'vm-02-message-arrived');
  });

  it('plays the message in the page, which marks it heard', async () => {
    const audioUrl = `/api/voicemail/201/${messageId}/audio`;
    const served = page.waitForResponse((r) => new URL(r.url()).pathname === audioUrl, { timeout: 10_000 });
    await page.getByRole('button', { name: /^Play the message from/ }).click();
    const res = await served;
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'audio/wav');
    // The browser decoded it: it knows the length, which matches the mailbox's.
    await page.waitForFunction(
      () => {
        type Audio = { readyState: number; duration: number };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): Audio | null } })
          .document;
        const a = doc.querySelector('audio');
        return a !== null && a.readyState >= 1 && Number.isFinite(a.duration) && a.duration > 0;
      },
      undefined,
      { timeout: 10_000 },
    );
    const duration = await page
      .locator('audio')
      .evaluate((a) => (a as unknown as { duration: number }).duration);
    const m = (await messages())[0]!;
    assert.ok(
      Math.abs(duration - m.seconds) < 1,
      `the audio lasts ${duration} s, the message ${m.seconds} s`,
    );
    // Playing marked it heard on the server, and the table says so.
    for (let i = 0; i < 50 && !(await messages())[0]!.heard; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal((await messages())[0]!.heard, true, 'playing the message marks it heard');
    await page.getByTestId('messages-table').getByText('heard', { exact: true }).waitFor();
    await page.getByTestId('message-count').getByText('1 message, 0 new. Newest first.').waitFor();
    await noAccessibilityProblems('the mailbox while playing');
    await screenshot(page, 'vm-03-playing');
  });

  it('marks it new again and downloads it as a WAV file; the mailbox list counts it', async () => {
    await page.getByRole('button', { name: /^Mark as new:/ }).click();
    await page.getByTestId('messages-table').getByText('new', { exact: true }).waitFor();
    assert.equal((await messages())[0]!.heard, false);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /^Download the message/ }).click();
    const d = await download;
    assert.equal(d.suggestedFilename(), `voicemail-201-${messageId}.wav`);
    const file = await d.path();
    const head = fs.readFileSync(file).subarray(0, 12);
    assert.equal(head.toString('ascii', 0, 4), 'RIFF');
    assert.equal(head.toString('ascii', 8, 12), 'WAVE');

    await page.getByRole('link', { name: 'All mailboxes' }).click();
    const row = page.getByTestId('mailboxes-table').getByRole('row', { name: /Alice Example/ });
    await row.getByText('1 new message').waitFor();
    await page.getByText('1 new message in all.').waitFor();
    const summary = await pbx.api('GET', '/api/voicemail');
    assert.deepEqual(summary.body, [
      { extension: '201', name: 'Alice Example', messages: 1, unheard: 1, greeting: false },
      { extension: '5101', name: 'Carol Caller', messages: 0, unheard: 0, greeting: false },
    ]);
    await screenshot(page, 'vm-04-mailboxes-counts');
    await page.getByRole('link', { name: 'Alice Example', exact: true }).click();
    await page.getByTestId('messages-table').waitFor();
  });

  it('explains a refused ring time by its field and saves good settings', async () => {
    const form = page.getByRole('form', { name: 'Voicemail settings' });
    const ring = form.getByLabel('Ring time (seconds)');
    await ring.waitFor();
    assert.equal(await ring.inputValue(), '20', 'the stored default');
    await ring.fill('2');
    await form.getByRole('button', { name: 'Save voicemail settings' }).click();
    const invalid = form.locator('.field-invalid');
    await invalid.getByRole('alert').waitFor();
    // The server's message, with its field name put as the form says it.
    assert.match(
      await invalid.innerText(),
      /Ring time[\s\S]*Ring time must be a whole number of seconds from 5 to 300/,
    );
    assert.equal(await ring.getAttribute('aria-invalid'), 'true');
    await noAccessibilityProblems('the settings with an error');
    await screenshot(page, 'vm-05-settings-error');
    assert.equal((await pbx.api<SettingsView>('GET', '/api/voicemail/201/settings')).body.ringSeconds, 20);

    await ring.fill('12');
    assert.equal(await invalid.count(), 0, 'editing the field clears what was said about it');
    await form.getByRole('checkbox', { name: /The line is busy/ }).uncheck();
    await form.getByRole('button', { name: 'Save voicemail settings' }).click();
    await form.getByText('Saved. The next call uses these settings.').waitFor();
    const saved = (await pbx.api<SettingsView>('GET', '/api/voicemail/201/settings')).body;
    assert.deepEqual(
      { ...saved },
      { extension: '201', ringSeconds: 12, onNoAnswer: true, onBusy: false, onUnavailable: true },
    );
    await screenshot(page, 'vm-06-settings-saved');
  });

  it('uploads a greeting (any WAV, converted), explains a refused file by the field, and goes back to the standard one', async () => {
    const panel = page.getByRole('region', { name: 'Greeting' });
    await panel.getByText(/Callers hear the standard greeting/).waitFor();
    assert.equal((await pbx.api('GET', '/api/voicemail/201/greeting')).status, 404);
    // Not a WAV: the engine's reason, by the file field.
    const junk = path.join(dataDir, 'not-a-greeting.wav');
    fs.writeFileSync(junk, 'this is a text file, not audio\n');
    await panel.getByLabel('Upload a greeting of their own').setInputFiles(junk);
    const invalid = panel.locator('.field-invalid');
    await invalid.getByRole('alert').waitFor();
    assert.match(await invalid.innerText(), /The file must be a WAV file/);
    await noAccessibilityProblems('the greeting with an error');
    await screenshot(page, 'vm-07-greeting-error');
    // A CD-quality stereo recording (what a voice recorder app makes): stored as 8 kHz mono, 2.5 s.
    const wav = path.join(dataDir, 'my-greeting.wav');
    soxSine(wav, { hz: 440, seconds: 2.5, rate: 44100, channels: 2 });
    const served = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/voicemail/201/greeting' && r.request().method() === 'GET',
      { timeout: 10_000 },
    );
    await panel.getByLabel('Upload a greeting of their own').setInputFiles(wav);
    await panel.getByText(/Saved my-greeting\.wav \(2\.5 seconds\) as Alice’s greeting/).waitFor();
    const res = await served;
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'audio/wav');
    await page.waitForFunction(
      () => {
        type Audio = { readyState: number; duration: number };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): Audio | null } })
          .document;
        const a = doc.querySelector('[data-testid="greeting-audio"]');
        return a !== null && a.readyState >= 1 && Math.abs(a.duration - 2.5) < 0.1;
      },
      undefined,
      { timeout: 10_000 },
    );
    const stored = await fetch(`${pbx.baseUrl}/api/voicemail/201/greeting`, {
      headers: { authorization: 'Basic ' + Buffer.from(`admin:${pbx.password}`).toString('base64') },
    });
    const bytes = Buffer.from(await stored.arrayBuffer());
    assert.equal(bytes.readUInt16LE(22), 1, 'mono');
    assert.equal(bytes.readUInt32LE(24), 8000, '8 kHz');
    await noAccessibilityProblems('the mailbox with its own greeting');
    await screenshot(page, 'vm-08-greeting-uploaded');

    await panel.getByRole('button', { name: 'Use the standard greeting' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove Alice’s own greeting?' });
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await pbx.api('GET', '/api/voicemail/201/greeting')).status, 200, 'Keep it keeps it');
    await panel.getByRole('button', { name: 'Use the standard greeting' }).click();
    await dialog.getByRole('button', { name: 'Remove greeting' }).click();
    await panel.getByText('Callers hear the standard greeting again.').waitFor();
    await panel.getByText(/Callers hear the standard greeting: “The person at extension 2 0 1/).waitFor();
    assert.equal((await pbx.api('GET', '/api/voicemail/201/greeting')).status, 404);
  });

  it('deletes a message only after confirmation', async () => {
    const del = page.getByRole('button', { name: /^Delete the message from/ });
    await del.click();
    const dialog = page.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.getByText(/The message from Carol Caller \(5101\)/).waitFor();
    await screenshot(page, 'vm-09-delete-confirm');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await messages()).length, 1, 'Keep it keeps it');

    await del.click();
    await dialog.getByRole('button', { name: 'Delete message' }).click();
    await page.getByText('Deleted the message from Carol Caller (5101).').waitFor();
    await page.getByTestId('message-count').getByText('No messages.').waitFor();
    assert.deepEqual(await messages(), []);
    assert.ok(
      !fs.existsSync(path.join(dataDir, 'voicemail', '201', `${messageId}.wav`)),
      'the audio file is gone',
    );
  });

  it('shows the call that went to voicemail in the call log, and filters by it', async () => {
    await page.getByRole('link', { name: 'Call log' }).click();
    await page.getByRole('heading', { name: 'Call log' }).waitFor();
    await page.getByLabel('Result').selectOption('VOICEMAIL');
    await page.getByRole('button', { name: 'Show' }).click();
    const row = page.getByTestId('cdr-table').getByRole('row', { name: /\*201/ });
    await row.waitFor();
    assert.match(await row.innerText(), /5101[\s\S]*voicemail/);
    await noAccessibilityProblems('the call log filtered to voicemail');
    await screenshot(page, 'vm-10-call-log-voicemail');
    assert.deepEqual(pageErrors, []);
  });
});
