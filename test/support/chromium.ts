import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium as the browser tests drive it: the system's build, no sandbox (containers), and
 * nothing of its own reaching the network (updates, sync, first-run pages), so a test sees only the
 * requests the page under test makes.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
