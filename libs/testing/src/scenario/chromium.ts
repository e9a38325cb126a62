import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import jsQR from 'jsqr';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

/** Debian's Chromium (`apt-get install -y chromium`); the tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where browser tests save their screenshots (gitignored; CI keeps them as artifacts). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'test-artifacts');

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

/**
 * The text of a QR code on the page, decoded from a screenshot of it with jsQR.
 * @param selector the code's element (default the checkout page's, `#qr svg`)
 */
export async function decodeQrCode(page: Page, selector = '#qr svg'): Promise<string | undefined> {
  const shot = await page.locator(selector).screenshot();
  const png = PNG.sync.read(shot);
  const text = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
  if (text === undefined) {
    const name = `qr-unreadable-${Date.now()}`;
    writeFileSync(artifactPath(`${name}.png`), shot);
    await page.screenshot({ path: artifactPath(`${name}-page.png`), fullPage: true });
    writeFileSync(artifactPath(`${name}.html`), await page.content());
  }
  return text;
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

/** What a {@link installTestWallet} wallet was asked, in order. */
export type WalletCalls = { method: string; params: unknown[] }[];

/**
 * A stand-in for an EIP-1193 wallet extension (`window.ethereum`) in every page of
 * `context`: it answers `account` for the accounts, starts on chain 0x1, follows
 * `wallet_switchEthereumChain`, and forwards every other request to the node of the chain
 * it is on (in `nodes`: RPC URL by chain id), whose unlocked development accounts sign.
 * The test process answers its requests, so the page's Content-Security-Policy stays as
 * strict as in production.
 * @returns the calls, as they come; and the chain id (hex) the wallet is on
 */
export async function installTestWallet(
  context: BrowserContext,
  account: string,
  nodes: ReadonlyMap<number, string>,
): Promise<{ calls: WalletCalls; chainId(): string }> {
  const calls: WalletCalls = [];
  let walletChainId = '0x1';
  await context.exposeFunction('testWalletRequest', async (method: string, params: unknown[]) => {
    calls.push({ method, params });
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account];
    if (method === 'eth_chainId') return walletChainId;
    if (method === 'wallet_switchEthereumChain') {
      walletChainId = (params[0] as { chainId: string }).chainId;
      return null;
    }
    const rpcUrl = nodes.get(Number.parseInt(walletChainId, 16));
    if (!rpcUrl) throw new Error(`The wallet knows no chain ${walletChainId}`);
    const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result;
  });
  await context.addInitScript(`window.ethereum = {
    request: ({ method, params }) => window.testWalletRequest(method, params || []),
  };`);
  return { calls, chainId: () => walletChainId };
}
