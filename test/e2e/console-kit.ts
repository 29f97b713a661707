// What the console's real-browser tests (console.test.ts, board-console.test.ts) share: a browser context that
// records every request to another host, page error and CSP refusal; logging in through the page; the axe-core
// check; and small readers of what the pages and their downloads hold.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

/** What went wrong in the pages of a context, for the tests to assert empty. */
export interface Watch {
  /** Requests to any other origin than the console's (data: and blob: aside). */
  foreign: string[];
  pageErrors: string[];
  cspErrors: string[];
}

/**
 * A context in a time zone far from Vietnam's (the console must count Vietnamese days and months whatever the
 * officer's machine says), recording into `watch`. 15 s per step: a first map load on a loaded 2-core CI machine
 * took over 5 s, and a missing element then fails with its locator named, inside the test's own limit.
 */
export async function watchedContext(browser: Browser, base: string, size: { width: number; height: number }, watch: Watch): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: size, locale: 'vi-VN', timezoneId: 'America/Los_Angeles', acceptDownloads: true, serviceWorkers: 'block' });
  context.setDefaultTimeout(15_000);
  const origin = new URL(base).origin;
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.origin !== origin) watch.foreign.push(r.url());
  });
  context.on('weberror', (e) => watch.pageErrors.push(String(e.error())));
  context.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) watch.cspErrors.push(m.text());
  });
  return context;
}

/** Logs in through the login page of a fresh address; resolves once the page after login is there. */
export async function logIn(page: Page, base: string, name: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Tên đăng nhập').fill(name);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the page as it is: no violation of impact critical or serious. The script goes in through the
 * DevTools protocol (page.evaluate), which the page's CSP (`script-src 'self'`) does not govern, so the page is
 * checked under its real headers, without bypassCSP.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResults;
  const bad = result.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join(' | ')}`);
  expect(bad, `axe-core on ${what}`).toEqual([]);
}

/** The text of a DOCX's word/document.xml runs, joined. */
export const docText = (xml: string): string => [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]!).join('');

/** The Vietnam month (YYYY-MM) of a Unix time. */
export const vnMonth = (unixS: number): string => new Date((unixS + 7 * 3600) * 1000).toISOString().slice(0, 7);
