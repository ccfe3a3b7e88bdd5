import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface E2EBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and warnings, uncaught page errors and CSP violations seen so far. */
  problems: string[];
  /** Console messages a test expects (e.g. the 401 of a failed sign-in), not counted as problems. */
  expect(pattern: RegExp): void;
  close(): Promise<void>;
}

/**
 * A fresh Chromium with its own new profile (--user-data-dir), listening for everything a page
 * may complain about: console errors and warnings, uncaught errors, and CSP violations (Chromium
 * logs them to the console; the securitypolicyviolation listener reports each one again with its
 * directive, from a script injected by the DevTools protocol, which the page's CSP does not govern).
 */
export async function openBrowser(): Promise<E2EBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
    colorScheme: 'light',
    // No colour transitions: the contrast check measures colours right after switching to dark.
    reducedMotion: 'reduce',
    locale: 'en-US',
  });
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));",
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems: string[] = [];
  const expected: RegExp[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const text = `${message.type()}: ${message.text()} (${message.location().url})`;
    if (!expected.some((pattern) => pattern.test(text))) problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return {
    context,
    page,
    problems,
    expect: (pattern) => expected.push(pattern),
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
