import type { BrowserContext, Page } from 'playwright-core';
import type { Address } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES, type LocalChain } from '@kassa/chain';
import type { PaymentObject, PaymentOptionObject } from '@kassa/domain';

import { artifactPath, decodeQrCode, describeInChromium, installTestWallet, type ShopServer, startShopServer, useChromium, useTestKassa } from '@kassa/testing/scenario';

const DESKTOP = { width: 1280, height: 900 };
const OTHER_CHAIN_ID = 31338;
const ONE_HUNDREDTH_ETH = 10n ** 16n; // 25 USD at the local ETH/USD feed's 2500

/**
 * The customer chooses the coin and network of a priced payment in a real headless
 * Chromium (DESIGN.md "Price and the customer's choice of coin"): the picker grouped by
 * network, the chosen option's address, amount and scannable QR code, switching, and the
 * page following the payment onto the option the customer paid in, on two real local chains.
 */
describeInChromium('choosing the coin on the hosted checkout', () => {
  const kassa = useTestKassa({ confirmations: 2, secondChain: { chainId: OTHER_CHAIN_ID, name: 'Other local chain', confirmations: 3 } });
  let chainB: LocalChain;
  let shop: ShopServer;
  const chromium = useChromium();

  beforeAll(async () => {
    shop = await startShopServer();
    chainB = kassa.otherChain!;
  });

  afterAll(async () => {
    await shop?.close();
  });

  /** A 25.00 USD payment payable in USDT on the first chain or in ETH on the second. */
  const createPriced = async (orderId: string): Promise<{ payment: PaymentObject; usdt: PaymentOptionObject; eth: PaymentOptionObject }> => {
    const response = await kassa.request<PaymentObject>('POST', '/v1/payments', {
      price: { amount: '25.00', currency: 'USD' },
      acceptedCurrencies: [{ currency: 'USDT', chainId: kassa.chain.config.chainId }, { currency: 'ETH', chainId: OTHER_CHAIN_ID }],
      orderId,
      successUrl: `${shop.origin}/thanks`,
    });
    expect(response.status).toBe(201);
    const payment = response.body;
    const [usdt, eth] = payment.options;
    expect([usdt?.currency, eth?.currency]).toEqual(['USDT', 'ETH']);
    return { payment, usdt: usdt!, eth: eth! };
  };

  const openPage = async (url: string, options: { javaScriptEnabled?: boolean; setup?: (context: BrowserContext) => Promise<void> } = {}): Promise<Page> => {
    const context = chromium.track(await chromium.browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, javaScriptEnabled: options.javaScriptEnabled ?? true }));
    await options.setup?.(context);
    const page = await context.newPage();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    return page;
  };

  /** The picker as the customer reads it: each network's heading and its entries. */
  const pickerEntries = (page: Page) =>
    page.locator('section.network-group').evaluateAll((groups) =>
      groups.map((group) => [group.querySelector('h2')!.textContent!.trim(), [...group.querySelectorAll('a.option')].map((link) => link.textContent!.trim())]),
    );

  const pick = async (page: Page, chainId: number, currency: string, optionId: string) => {
    await page.locator(`section.network-group[data-chain-id="${chainId}"] a.option[data-currency="${currency}"]`).click();
    await page.waitForURL((url) => url.searchParams.get('option') === optionId);
  };

  it('lists each network\'s coins with their amounts, shows the chosen option with its own QR code, switches, and follows the payment to PAID', async () => {
    const { payment, usdt, eth } = await createPriced('order-coin-1');
    const calls: { method: string; params: unknown[] }[] = [];
    // A stand-in for an EIP-1193 wallet that records what the page asks and declines to send.
    const installWallet = async (context: BrowserContext) => {
      await context.exposeFunction('testWalletRequest', (method: string, params: unknown[]) => {
        calls.push({ method, params });
        if (method === 'eth_requestAccounts') return ['0x70997970C51812dc3A010C7d01b50e0d17dc79C8'];
        if (method === 'eth_chainId') return '0x7a69';
        if (method === 'wallet_switchEthereumChain') return null;
        throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
      });
      await context.addInitScript(`window.ethereum = {
        request: ({ method, params }) => window.testWalletRequest(method, params || []).catch((error) => { throw { code: 4001, message: error.message }; }),
      };`);
    };
    const page = await openPage(payment.checkoutUrl, { setup: installWallet });

    await expect(page.locator('#amount').textContent()).resolves.toBe('25.00');
    await expect(pickerEntries(page)).resolves.toEqual([
      [kassa.chain.config.name, ['USDT — 25 USDT']],
      ['Other local chain', ['ETH — 0.01 ETH']],
    ]);
    await expect(page.locator('#address').count()).resolves.toBe(0);
    await page.screenshot({ path: artifactPath('checkout-coin-picker.png'), fullPage: true });

    await pick(page, OTHER_CHAIN_ID, 'ETH', eth.id);
    const ethUri = `ethereum:${payment.depositAddress}@${OTHER_CHAIN_ID}?value=10000000000000000`;
    expect(eth.paymentUri).toBe(ethUri);
    await expect(page.locator('#network').textContent()).resolves.toBe('Other local chain');
    await expect(page.locator('#amount').textContent()).resolves.toBe('0.01');
    await expect(page.locator('#amount-due').textContent()).resolves.toBe('0.01');
    await expect(page.locator('#address').textContent()).resolves.toBe(eth.depositAddress);
    await expect(page.locator('#copy').isVisible()).resolves.toBe(true);
    await expect(decodeQrCode(page)).resolves.toBe(ethUri);
    await page.screenshot({ path: artifactPath('checkout-coin-chosen.png'), fullPage: true });

    // The browser wallet pays the option shown: its chain, and the native coin's exact amount.
    await page.getByRole('button', { name: 'Pay with browser wallet' }).click();
    await page.getByText('You rejected the request in your wallet.').waitFor();
    expect(calls.find((call) => call.method === 'wallet_switchEthereumChain')?.params).toEqual([{ chainId: `0x${OTHER_CHAIN_ID.toString(16)}` }]);
    expect(calls.find((call) => call.method === 'eth_sendTransaction')?.params[0]).toMatchObject({
      to: eth.depositAddress,
      value: `0x${ONE_HUNDREDTH_ETH.toString(16)}`,
    });

    // Switching: back to the picker, USDT on the first chain, and back to ETH.
    await page.getByRole('link', { name: 'Choose another coin' }).click();
    await page.locator('section.network-group').first().waitFor();
    await pick(page, kassa.chain.config.chainId, 'USDT', usdt.id);
    await expect(page.locator('#network').textContent()).resolves.toBe(kassa.chain.config.name);
    await expect(page.locator('#amount').textContent()).resolves.toBe('25');
    await expect(decodeQrCode(page)).resolves.toBe(usdt.paymentUri);
    await page.getByRole('link', { name: 'Choose another coin' }).click();
    await pick(page, OTHER_CHAIN_ID, 'ETH', eth.id);
    await expect(decodeQrCode(page)).resolves.toBe(ethUri);

    await kassa.send(payment.depositAddress as Address, null, ONE_HUNDREDTH_ETH, undefined, chainB);
    await page.locator('#checkout[data-status="PENDING"]').waitFor();
    await expect(page.locator('#confirmations-count').textContent()).resolves.toBe('1/3');
    // Value arrived: the coin can no longer be switched.
    await expect(page.locator('#switch').isHidden()).resolves.toBe(true);

    await kassa.mine(2, chainB);
    await page.getByText('Payment received — returning to the shop…').waitFor();
    await page.waitForURL(`${shop.origin}/thanks?**`);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ payment_id: payment.id, order_id: 'order-coin-1' });
  });

  it('moves to the option the customer paid in when it is not the one shown', async () => {
    const { payment, usdt, eth } = await createPriced('order-coin-2');
    const page = await openPage(`${payment.checkoutUrl}?option=${usdt.id}`);
    await expect(page.locator('#amount').textContent()).resolves.toBe('25');
    await expect(page.locator('.amount .currency').textContent()).resolves.toBe('USDT');

    await kassa.send(payment.depositAddress as Address, null, ONE_HUNDREDTH_ETH, undefined, chainB);
    await page.waitForURL((url) => url.searchParams.get('option') === eth.id);
    await page.locator('#checkout[data-status="PENDING"]').waitFor();
    await expect(page.locator('#network').textContent()).resolves.toBe('Other local chain');
    await expect(page.locator('#amount').textContent()).resolves.toBe('0.01');
    await expect(page.locator('#choose-another').count()).resolves.toBe(0);
    await expect(page.locator('#status-title').textContent()).resolves.toBe('Payment seen — waiting for confirmations');
  });

  it('lets a browser without JavaScript choose the coin and switch, through plain links', async () => {
    const { payment, usdt, eth } = await createPriced('order-coin-3');
    const page = await openPage(payment.checkoutUrl, { javaScriptEnabled: false });
    await pick(page, OTHER_CHAIN_ID, 'ETH', eth.id);
    await expect(page.locator('#address').textContent()).resolves.toBe(eth.depositAddress);
    await expect(decodeQrCode(page)).resolves.toBe(eth.paymentUri);
    await page.getByRole('link', { name: 'Choose another coin' }).click();
    await pick(page, kassa.chain.config.chainId, 'USDT', usdt.id);
    await expect(page.locator('#amount-due').textContent()).resolves.toBe('25');
    await expect(decodeQrCode(page)).resolves.toBe(usdt.paymentUri);
  });

  it.each([
    ['USDT on the first chain', 'usdt', 'order-coin-4'],
    ['the native coin on the second chain', 'eth', 'order-coin-5'],
  ] as const)('is paid with %s through the browser wallet, exact to the base unit', async (_name, which, orderId) => {
    const created = await createPriced(orderId);
    const option = created[which];
    const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[2]]!.address;
    const nodes = new Map([kassa.chain, chainB].map((chain) => [chain.config.chainId, chain.config.rpcUrls[0]!]));
    let wallet: Awaited<ReturnType<typeof installTestWallet>> | undefined;
    const installWallet = async (context: BrowserContext) => {
      wallet = await installTestWallet(context, customer, nodes);
    };
    const page = await openPage(created.payment.checkoutUrl, { setup: installWallet });
    await pick(page, option.chainId, option.currency, option.id);
    await page.getByRole('button', { name: 'Pay with browser wallet' }).click();
    // Attached, not visible: once the watcher sees the transfer, the page turns PENDING and hides the pay section with this message.
    await page.getByText(/^Transaction sent: 0x[0-9a-f]{64}/).waitFor({ state: 'attached' });
    const sentHash = (await page.locator('#wallet-message').textContent())!.match(/0x[0-9a-f]{64}/)![0];
    expect(wallet!.chainId()).toBe(`0x${option.chainId.toString(16)}`);

    await page.locator('#checkout[data-status="PENDING"]').waitFor();
    await kassa.mine(3, option.chainId === OTHER_CHAIN_ID ? chainB : kassa.chain);
    await page.waitForURL(`${shop.origin}/thanks?**`);
    const paid = (await kassa.request<PaymentObject>('GET', `/v1/payments/${created.payment.id}`)).body;
    expect(paid).toMatchObject({ status: 'PAID', exception: null, chainId: option.chainId, currency: option.currency });
    expect(paid.amountReceivedBaseUnits).toBe(option.amountBaseUnits);
    expect(paid.transfers.map((transfer) => transfer.txHash)).toEqual([sentHash]);
    expect(option.amountBaseUnits).toBe(which === 'eth' ? ONE_HUNDREDTH_ETH.toString() : '25000000');
  });
});
