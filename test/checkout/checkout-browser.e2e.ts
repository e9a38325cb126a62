import type { BrowserContext, Page } from 'playwright-core';
import { encodeFunctionData, erc20Abi, type Address, type Hex } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import { asMerchantId } from '@kassa/domain';
import { MerchantsRepository } from '@kassa/persistence';

import { payPayment } from '../../apps/cli/src/commands/pay.command';
import { artifactPath, decodeQrCode, describeInChromium, installTestWallet, type ShopServer, startShopServer, useChromium, useTestKassa, type WalletCalls } from '@kassa/testing/scenario';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/**
 * The customer's half of the flow in a real headless Chromium: the hosted page of a real
 * payment, paid by the customer simulator or a browser wallet on a real Hardhat node, live
 * status up to PAID or TIMEOUT, and the way back to the shop (redirect, or messages to the
 * page that embeds the checkout).
 */
describeInChromium('the hosted checkout in a browser', () => {
  const kassa = useTestKassa({ confirmations: 2 });
  let shop: ShopServer;
  const chromium = useChromium();

  beforeAll(async () => {
    shop = await startShopServer();
  });

  afterAll(async () => {
    await shop?.close();
  });


  const openPage = async (url: string, viewport = DESKTOP, setup?: (context: BrowserContext) => Promise<void>): Promise<Page> => {
    const context = chromium.track(await chromium.browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport === PHONE, hasTouch: viewport === PHONE }));
    await setup?.(context);
    const page = await context.newPage();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    return page;
  };

  /** Pays the whole payment as `npm run kassa -- pay <id>` does. */
  const payWithSimulator = (id: string) =>
    payPayment(id, { apiUrl: kassa.apiUrl, rpcUrl: () => kassa.chain.config.rpcUrls[0], privateKey: HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[0]]!.privateKey });

  it('shows the payment with a scannable QR code, follows it to PAID and returns the customer to the success page', async () => {
    const payment = await kassa.createPayment({
      amount: '25.50',
      currency: 'USDC',
      orderId: 'order-1001',
      description: 'Two flat whites',
      successUrl: `${shop.origin}/thanks?lang=en`,
    });
    const page = await openPage(payment.checkoutUrl);
    await expect(page.locator('#address').textContent()).resolves.toBe(payment.depositAddress);
    await expect(page.locator('#amount').textContent()).resolves.toBe('25.5');
    await expect(page.locator('#merchant-name').textContent()).resolves.toBe('Test Shop');
    await expect(page.locator('#order').textContent()).resolves.toBe('Order order-1001 · Two flat whites');
    await expect(page.locator('#network').textContent()).resolves.toBe('Hardhat (local)');
    await expect(page.locator('#countdown').textContent()).resolves.toMatch(/^\d\d:\d\d$/);
    await expect(page.locator('#copy').isVisible()).resolves.toBe(true);
    await expect(decodeQrCode(page)).resolves.toBe(payment.paymentUri);
    await page.screenshot({ path: artifactPath('checkout-desktop.png'), fullPage: true });

    const phone = await openPage(payment.checkoutUrl, PHONE);
    await expect(phone.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(PHONE.width);
    await expect(decodeQrCode(phone)).resolves.toBe(payment.paymentUri);
    await phone.screenshot({ path: artifactPath('checkout-phone.png'), fullPage: true });

    await payWithSimulator(payment.id);
    await page.locator('#checkout[data-status="PENDING"]').waitFor();
    await expect(page.locator('#confirmations-count').textContent()).resolves.toBe('1/2');
    await expect(page.locator('#status-title').textContent()).resolves.toBe('Payment seen — waiting for confirmations');
    await page.screenshot({ path: artifactPath('checkout-pending.png'), fullPage: true });

    await kassa.mine(1);
    await page.getByText('Payment received — returning to the shop…').waitFor();
    await page.screenshot({ path: artifactPath('checkout-paid.png'), fullPage: true });
    await page.waitForURL(`${shop.origin}/thanks?**`);
    const returned = new URL(page.url());
    expect(Object.fromEntries(returned.searchParams)).toEqual({ lang: 'en', payment_id: payment.id, order_id: 'order-1001' });
    await expect(page.locator('#shop-page').textContent()).resolves.toBe('Shop page /thanks');
  });

  it('tells an underpaying customer what is still missing, then sends them to the cancel page when the payment times out', async () => {
    const payment = await kassa.createPayment({ amount: '10', currency: 'USDC', orderId: 'order-2002', cancelUrl: `${shop.origin}/cart` });
    const page = await openPage(payment.checkoutUrl);
    await kassa.send(payment.depositAddress as Address, kassa.chain.contracts.tokens.USDC, 4_000_000n);
    await page.getByText('6 USDC still missing').waitFor();
    await expect(page.locator('#amount-due').textContent()).resolves.toBe('6');

    await kassa.dataSource.query('UPDATE payments SET expires_at = $2 WHERE id = $1', [payment.id, new Date(Date.now() - 1000)]);
    await page.getByText('This payment has expired — returning to the shop…').waitFor();
    await page.waitForURL(`${shop.origin}/cart?**`);
    const returned = new URL(page.url());
    expect(Object.fromEntries(returned.searchParams)).toEqual({ payment_id: payment.id, order_id: 'order-2002' });
  });

  it('in embed mode posts kassa:payment messages to the merchant\'s page, which is an allowed origin', async () => {
    await new MerchantsRepository(kassa.dataSource).updateSettings(asMerchantId(kassa.merchantId), { allowedOrigins: [shop.origin] });
    const payment = await kassa.createPayment({ amount: '1.25', currency: 'USDC', orderId: 'order-3003', successUrl: `${shop.origin}/thanks` });
    const parent = await openPage(`${shop.origin}/embed?src=${encodeURIComponent(`${payment.checkoutUrl}?embed=1`)}`);
    type Received = { origin: string; data: { type: string; paymentId: string; orderId: string; status: string; redirectUrl: string | null } };
    const messages = () => parent.evaluate<Received[]>('window.kassaMessages');
    const messageWith = (status: string) => parent.waitForFunction(`window.kassaMessages.some((m) => m.data.status === '${status}')`);
    await messageWith('CREATED');

    await payWithSimulator(payment.id);
    await messageWith('PENDING');
    await kassa.mine(1);
    await messageWith('PAID');
    const received = await messages();
    expect(received.every((message) => message.origin === kassa.apiUrl && message.data.type === 'kassa:payment')).toBe(true);
    expect(received.map((message) => message.data.status)).toEqual(expect.arrayContaining(['CREATED', 'PENDING', 'PAID']));
    const paid = received.find((message) => message.data.status === 'PAID')!;
    expect(paid.data).toMatchObject({ paymentId: payment.id, orderId: 'order-3003', redirectUrl: `${shop.origin}/thanks?payment_id=${payment.id}&order_id=order-3003` });
    // The checkout never navigates inside the frame: the merchant's page decides.
    const frame = parent.frame({ url: (url) => url.href.startsWith(payment.checkoutUrl) });
    expect(frame).not.toBeNull();
    await expect(frame!.locator('#return-link').getAttribute('target')).resolves.toBe('_top');
    await parent.screenshot({ path: artifactPath('checkout-embed.png'), fullPage: true });
  });

  it('pays with a browser wallet: switches to the payment\'s chain and sends the exact ERC-20 transfer', async () => {
    const payment = await kassa.createPayment({ amount: '7.000001', currency: 'USDC', orderId: 'order-4004' });
    const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address;
    let calls: WalletCalls = [];
    const installWallet = async (context: BrowserContext) => {
      calls = (await installTestWallet(context, customer, new Map([[kassa.chain.config.chainId, kassa.chain.config.rpcUrls[0]!]]))).calls;
    };
    const page = await openPage(payment.checkoutUrl, DESKTOP, installWallet);
    await page.getByRole('button', { name: 'Pay with browser wallet' }).click();
    // Attached, not visible: once the watcher sees the transfer, the page turns PENDING and hides the pay section with this message.
    await page.getByText(/^Transaction sent: 0x[0-9a-f]{64}/).waitFor({ state: 'attached' });

    expect(calls.find((call) => call.method === 'wallet_switchEthereumChain')?.params).toEqual([{ chainId: `0x${kassa.chain.config.chainId.toString(16)}` }]);
    const sent = calls.find((call) => call.method === 'eth_sendTransaction')!.params[0] as { from: Address; to: Address; data: Hex };
    expect(sent.from).toBe(customer);
    expect(sent.to.toLowerCase()).toBe(kassa.chain.contracts.tokens.USDC.toLowerCase());
    expect(sent.data).toBe(encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [payment.depositAddress as Address, 7_000_001n] }));

    await page.locator('#checkout[data-status="PENDING"]').waitFor();
    await kassa.mine(1);
    await page.locator('#checkout[data-status="PAID"]').waitFor();
    // No success URL: the customer sees a receipt with the transaction and the amount.
    await page.locator('#receipt').waitFor();
    const txHash = (await page.locator('#wallet-message').textContent())!.match(/0x[0-9a-f]{64}/)![0];
    await expect(page.locator('#receipt-transactions').textContent()).resolves.toContain(txHash);
    await expect(page.locator('#receipt-amount').textContent()).resolves.toBe('7.000001 USDC');
  });
});

