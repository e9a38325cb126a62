import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); the tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where browser tests save their screenshots (gitignored; CI keeps them as artifacts). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts');

/** Starts a headless Chromium with a fresh profile, no background traffic and no sandbox (tests run as root in CI). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** The path of a screenshot under {@link ARTIFACTS_DIR}, creating the directory. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}

/**
 * `describe` for suites that drive Chromium: where Chromium is not installed the suite is
 * skipped, and says so (the README's "Browser tests" note tells how to install it; CI does).
 */
export function describeInChromium(name: string, suite: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, suite);
    return;
  }
  console.warn(`Skipping browser tests "${name}": Chromium is not installed at ${CHROMIUM_PATH} (apt-get install -y chromium).`);
  describe.skip(name, suite);
}
