import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import jsQR from 'jsqr';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

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

/** The text of the checkout page's QR code (`#qr svg`), decoded from a screenshot of it with jsQR. */
export async function decodeQrCode(page: Page): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator('#qr svg').screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/**
 * One Chromium for a suite, its browser contexts closed after each test: call at the top of
 * a `describeInChromium` suite, read `browser` inside tests, and register each new context
 * with `track` so it is closed after the test.
 */
export function useChromium(): { readonly browser: Browser; track(context: BrowserContext): BrowserContext } {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error('Chromium is not started yet (use it inside a test)');
      return browser;
    },
    track(context: BrowserContext): BrowserContext {
      contexts.push(context);
      return context;
    },
  };
}
