import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, headless: never a browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots a person can look at after the run (gitignored). */
export const ARTIFACTS = path.resolve('test-artifacts', 'portal');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** What pages watched with watchCsp() reported as content-security-policy violations. */
export const cspViolations: string[] = [];

/**
 * Records every content-security-policy violation of the page in `cspViolations`: Chrome's console
 * message ("Refused to …") and the `securitypolicyviolation` event, reported through the console.
 */
export async function watchCsp(page: Page): Promise<Page> {
  page.on('console', (message) => {
    const text = message.text();
    if (/Refused to|Content Security Policy|securitypolicyviolation/.test(text))
      cspViolations.push(`${page.url()}: ${text}`);
  });
  await page.addInitScript(() => {
    // Runs in the page before its own scripts; DOM types are not part of this Node project.
    const { document, console } = globalThis as unknown as {
      document: { addEventListener(type: string, fn: (e: Record<string, string>) => void): void };
      console: { error(text: string): void };
    };
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`securitypolicyviolation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return page;
}

/** A phone: 390 CSS pixels wide, as the issue asks. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core in the page against WCAG 2.0/2.1 A and AA; returns the serious and critical findings. */
export async function seriousA11yViolations(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the DevTools protocol: an inline <script> tag would be refused by the CSP.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    interface AxeRun {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    // Runs in the page: the browser's globals, without the DOM types in this Node project.
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<AxeRun> };
      document: unknown;
    };
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }));
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
