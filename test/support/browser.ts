import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './paths.js';

/** Debian's Chromium (installed by scripts/install-test-deps.sh); Playwright never downloads a browser here. */
export const CHROMIUM = process.env.PBX_CHROMIUM ?? '/usr/bin/chromium';

/** Opens `path` and logs in with the admin password; resolves once the page's heading shows. */
export async function logInAt(
  page: Page,
  path: string,
  password: string,
  heading: string,
  exact = true,
): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Admin password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: heading, exact }).waitFor();
}

/** Where screenshots of each console page are kept for people to look at (CI keeps the folder). */
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** A fresh browser profile at the size the issue names (1280×800), collecting page errors. */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|Unauthorized|Failed to load resource/.test(m.text()))
      pageErrors.push(m.text());
  });
  return { context, page, pageErrors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (the accessibility rules engine browsers' own audits use) on the page and returns the
 * serious and critical violations. axe is evaluated through the DevTools protocol, so the console's
 * Content-Security-Policy (scripts from 'self' only) stays on.
 */
export async function accessibilityProblems(page: Page): Promise<AxeViolation[]> {
  const source = fs.readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    type AxeResult = {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    };
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResult> } })
      .axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, {
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Whether anything sticks out sideways (a layout broken by a long name shows a horizontal scrollbar). */
export async function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const d = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return d.scrollWidth > d.clientWidth + 1;
  });
}
