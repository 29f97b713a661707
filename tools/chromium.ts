/**
 * Debian's Chromium driven by playwright-core, for the console's browser tests and bench/web.ts. Playwright's own
 * browser download cannot work on these machines (DESIGN.md), so the system browser is launched by path, with
 * everything that would reach the internet by itself switched off: the console must load nothing from another host,
 * and a request the browser made on its own would blur that check.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  // Tests run as root in CI containers, where the sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Whether the system Chromium is installed (`apt-get install chromium`). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** A fresh browser: Playwright gives each launch a new temporary profile, removed when the browser closes. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}
