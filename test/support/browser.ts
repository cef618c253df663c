import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { ROOT } from './services';

/**
 * The console's browser tests drive Debian's chromium through playwright-core: no browser is downloaded (the machine
 * has no outside network), `.ci/run` installs the package when it is missing. CHROMIUM_BIN names another binary.
 */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (CI runs as root), and nothing that reaches out: no QUIC, first-run page, background
 * networking, component updates or sync. Playwright gives each launch a fresh user-data-dir of its own (a temporary
 * folder it removes at close), so no profile, cookie or cache carries over between runs.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the test runs save their screenshots: the ignored test-output folder (.tmp/, like the services' logs). */
export const SCREENSHOT_DIR = join(ROOT, '.tmp', 'console-screenshots');

/** Launches chromium; fails (never skips) with what to do when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(
      `chromium not found at ${CHROMIUM_BIN}: the console's browser tests need it. Install Debian's package ` +
        '(apt-get install chromium; .ci/run does it) or set CHROMIUM_BIN to a chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_BIN, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** One axe-core violation, as much as a failure message needs. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let axeSource: string | undefined;

/** The page functions below run in the browser; the project's tsconfig has no DOM library, so say what they use. */
interface AxeWindow {
  axe: {
    run(
      context: unknown,
      options: unknown,
    ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>;
  };
  document: unknown;
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules and best practices) on the page as it is now and answers its serious and
 * critical violations. axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy does
 * not govern: the console and the provider keep their real CSP during the test.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const w = globalThis as unknown as AxeWindow;
    const r = await w.axe.run(w.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
