import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it); never a browser downloaded by a tool. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WEB_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
/** Screenshots of the run (git-ignored). */
export const SHOTS = `${ROOT}test-results/web/`;

/**
 * Whether the browser suites can run: Chromium missing skips them with a message, but fails under CI
 * (where `.ci/run` must have installed it).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`skipping browser tests: ${msg}`);
  return false;
}

/** `npm test` builds first (pretest); a test run on its own builds the UI if it was never built. */
export function ensureWebBuilt(): void {
  if (existsSync(WEB_INDEX)) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

export function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A browser context of its own (cookies, storage); in the local mode, declaring `name`. */
export async function newUser(
  browser: Browser,
  name?: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, acceptDownloads: true });
  if (name) await context.addInitScript((n) => window.localStorage.setItem('talus.name', n), name);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`page error (${name ?? 'user'}): ${err.message}`));
  return { context, page };
}

/** Save a screenshot of the page under test-results/web/. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png` });
}

/**
 * Retry `check` (which throws while its condition does not hold) until it passes or `ms` run out; the
 * last failure is thrown. For conditions that become true by themselves (an event arriving), not sleeps.
 */
export async function eventually<T>(check: () => T | Promise<T>, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() - t0 > ms) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
