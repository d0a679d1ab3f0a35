/**
 * A real browser for the page tests and the README's screenshot: Debian's chromium, headless, driven by
 * playwright-core. Started with a fresh profile and every background service off (updates, sync, QUIC, first-run
 * pages), so that it makes no request of its own: whatever the request log shows, the page asked for. Every request,
 * console message and page error is recorded, so that a test can say "nothing but the page and its audio".
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package; CHROMIUM_PATH names another build. */
export function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

/** Without these, chromium looks for updates, components and sync servers at start. */
export const QUIET_CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  // The tests click a line and expect it to play; a person's click is a gesture, a test's may not count as one.
  '--autoplay-policy=no-user-gesture-required',
];

export interface Browser {
  context: BrowserContext;
  /** Every URL the browser requested, in order, from every page. */
  requests: string[];
  close(): Promise<void>;
}

export async function openBrowser(executablePath: string, viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'jdr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: QUIET_CHROMIUM_ARGS, viewport });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  return {
    context,
    requests,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Console errors and warnings, and uncaught exceptions. */
  problems: string[];
}

/** A new tab that records what went wrong in it. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, problems };
}
