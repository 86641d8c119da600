import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type Browser, type Page } from 'puppeteer-core';
import { repoRoot } from './service-process';

/** Debian's chromium (platform/chromium/install.sh); CHROMIUM_PATH names another binary. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests keep their screenshots: test-output/<folder>/ at the repository root (git-ignored). */
export function testOutputDir(folder: string): string {
  const dir = join(repoRoot, 'test-output', folder);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Waits for `until`; when it fails, the error names what the page reported meanwhile (why it never rendered). */
export async function waitReporting<T>(problems: string[], until: Promise<T>): Promise<T> {
  try {
    return await until;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; the page reported: ${problems.join(' | ') || 'nothing'}`);
  }
}

export interface TestBrowser {
  browser: Browser;
  /** A new page that records what a user would see go wrong: console errors, page errors, failed requests. */
  newPage(): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a throw-away profile. Every host name resolves to nothing but loopback,
 * so a page that tries to reach the internet (a CDN, a validator, telemetry) fails its request,
 * which `problems` records.
 */
export async function startBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: platform/chromium/install.sh installs Debian's chromium (bootstrap runs it)`);
  const profile = mkdtempSync(join(tmpdir(), 'chromium-test-'));
  const browser = await launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    // --no-sandbox: the suite runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return {
    browser,
    async newPage() {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'no reason'})`));
      return { page, problems };
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
