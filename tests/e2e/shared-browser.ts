// One Chromium per test file: launched before its tests, closed after (kept out of harness.ts, which the
// screenshots script also imports outside Vitest).
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './harness';

export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not launched yet (call it inside a test)');
    return browser;
  };
}
