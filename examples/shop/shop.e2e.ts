import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import { findFreePort } from '@kassa/persistence';
import { eventually } from '@kassa/testing';
import { artifactPath, describeInChromium, installTestWallet, useChromium, useTestKassa } from '@kassa/testing/scenario';

import { Kassa } from '@kassa/sdk';

import { type RunningShop, startShop } from './shop';

interface EventWithDeliveries {
  id: string;
  type: string;
  deliveries: { status: string; attemptCount: number; attempts: { statusCode: number | null }[] }[];
}

/**
 * The example shop (issue 16, item 2) against a test Kassa in Chromium: the customer buys,
 * is sent to the hosted checkout, pays with a browser wallet, returns to the shop; the order
 * is marked paid by the verified `payment.paid` webhook, and shipped exactly once even when
 * Kassa delivers that webhook a second time. A forged webhook changes nothing.
 */
describeInChromium('the example shop', () => {
  const kassa = useTestKassa({ confirmations: 1 });
  const chromium = useChromium();
  let shop: RunningShop;

  beforeAll(async () => {
    const sdk = new Kassa({ apiKey: kassa.apiKey, baseUrl: kassa.apiUrl });
    const port = await findFreePort();
    const endpoint = await sdk.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/webhooks/kassa`, enabledEvents: ['payment.paid'] });
    shop = await startShop({ kassa: sdk, webhookSecret: endpoint.secret, port });
  });

  afterAll(async () => {
    await shop?.close();
  });

  it('sells a product: buy, pay on Kassa\'s checkout, return, order paid and shipped once even when the webhook comes twice', async () => {
    const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[2]]!.address;
    const context = chromium.track(await chromium.browser.newContext());
    await installTestWallet(context, customer, new Map([[kassa.chain.config.chainId, kassa.chain.config.rpcUrls[0]!]]));
    const page = await context.newPage();

    await page.goto(shop.url);
    await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/pay/pay_')), page.locator('#buy-coffee').click()]);
    const paymentId = new URL(page.url()).pathname.split('/').pop()!;
    const order = [...shop.orders.values()].find((candidate) => candidate.paymentId === paymentId);
    expect(order).toMatchObject({ productId: 'coffee', status: 'awaiting_payment', paymentId });
    await expect(page.locator('#amount').textContent()).resolves.toContain('24');

    await page.getByRole('button', { name: 'Pay with browser wallet' }).click();
    // Attached, not visible: once the watcher sees the transfer, the page turns PENDING and hides the pay section with this message.
    await page.getByText(/^Transaction sent: 0x[0-9a-f]{64}/).waitFor({ state: 'attached' });
    await kassa.mine(1);
    // PAID: the checkout sends the customer back to the shop's order page.
    await page.waitForURL((url) => url.origin === shop.url && url.pathname === `/orders/${order!.id}`, { timeout: 30_000 });
    await page.locator('#order-status[data-status="paid"]').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: artifactPath('example-shop-paid.png') });
    expect(shop.fulfilled).toEqual([order!.id]);
    const paidEvent = order!.paidByEvent!;
    expect(paidEvent).toMatch(/^evt_/);

    // Kassa delivers payment.paid a second time: answered 2xx, nothing shipped twice.
    expect((await kassa.request('POST', `/v1/events/${paidEvent}/redeliver`, {})).status).toBe(202);
    await eventually(async () => {
      const event = (await kassa.request<EventWithDeliveries>('GET', `/v1/events/${paidEvent}`)).body;
      const answered = event.deliveries.flatMap((delivery) => delivery.attempts).filter((attempt) => attempt.statusCode === 204);
      return answered.length >= 2 ? true : undefined;
    }, { what: 'the second delivery of payment.paid' });
    expect(shop.fulfilled).toEqual([order!.id]);
    expect(shop.orders.get(order!.id)!.paidByEvent).toBe(paidEvent);
  });

  it('refuses a webhook that does not verify, and never marks an order paid from the return page\'s address', async () => {
    const forged = await fetch(`${shop.url}/webhooks/kassa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' },
      body: JSON.stringify({ id: 'evt_forged', object: 'event', type: 'payment.paid', data: { id: 'pay_x', orderId: 'order-1001' } }),
    });
    expect(forged.status).toBe(400);

    const buy = await fetch(`${shop.url}/checkout`, { method: 'POST', body: new URLSearchParams({ product: 'mug' }), redirect: 'manual' });
    expect(buy.status).toBe(303);
    const order = [...shop.orders.values()].find((candidate) => candidate.productId === 'mug')!;
    const returned = await (await fetch(`${shop.url}/orders/${order.id}?payment_id=${order.paymentId}&order_id=${order.id}`)).text();
    expect(returned).toContain('data-status="awaiting_payment"');
    expect(shop.orders.get(order.id)!.status).toBe('awaiting_payment');
    expect(shop.fulfilled).not.toContain(order.id);
  });
});
