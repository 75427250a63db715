// Headless Chromium for the admin UI suites: Debian's `chromium` (or CHROMIUM_PATH) driven by
// playwright-core, one page with uncaught page errors collected (each suite asserts there were
// none) and screenshots under test-results/<suite>/ as artifacts. Fails with the command to run
// when the browser or the built UI is missing: a UI suite is never skipped.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './gateway-process.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free browser in a test container (no network of its own, no updates). */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface UiBrowser {
  browser: Browser;
  page: Page;
  /** Uncaught errors thrown in the page. */
  pageErrors: string[];
  /** test-results/<suite>/<name>.png, the whole page. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openUiBrowser(suite: string, viewport: { width: number; height: number }): Promise<UiBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  if (!existsSync(join(ROOT, 'dist', 'ui', 'app.js'))) throw new Error('the admin UI is not built: run `npm run build:ui`');
  const shots = join(ROOT, 'test-results', suite);
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(15_000);
  return {
    browser,
    page,
    pageErrors,
    shot: async (name) => {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    },
    close: () => browser.close(),
  };
}
