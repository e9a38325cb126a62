import type { Page } from 'playwright-core';
import type { Address } from 'viem';

import type { EventPayload, PaymentLinkObject, PaymentObject } from '@kassa/domain';

import { decodeQrCode, describeInChromium, type Problem, useChromium, useTestKassa } from '@kassa/testing/scenario';

/**
 * Payment links (issue 16, item 3; docs/payment-links.md) in a real Chromium: each visit of
 * a link's URL creates a payment and lands on its checkout; a single-use link sends every
 * visitor to its one open payment and refuses once it is PAID; deactivated and expired links
 * refuse; the printed QR code opens the link; the payments carry the link's id.
 */
describeInChromium('payment links', () => {
  const kassa = useTestKassa({ confirmations: 1 });
  const chromium = useChromium();

  const createLink = async (body: Record<string, unknown>): Promise<PaymentLinkObject> => {
    const response = await kassa.request<PaymentLinkObject>('POST', '/v1/payment-links', body);
    expect(response.status).toBe(201);
    return response.body;
  };

  /** Opens `url` in a fresh browser context; returns the page where it landed and the status of that landing. */
  const visit = async (url: string): Promise<{ page: Page; status: number | undefined }> => {
    const context = chromium.track(await chromium.browser.newContext());
    const page = await context.newPage();
    const response = await page.goto(url);
    return { page, status: response?.status() };
  };

  const paymentIdOf = (page: Page): string => new URL(page.url()).pathname.split('/').pop()!;

  const paymentsOf = async (link: PaymentLinkObject): Promise<PaymentObject[]> =>
    (await kassa.request<{ data: PaymentObject[] }>('GET', `/v1/payments?paymentLinkId=${link.id}`)).body.data;

  it('creates a payment at each visit of a reusable link and opens its checkout; the payments and their events carry the link', async () => {
    const link = await createLink({ amount: '12.50', currency: 'USDC', description: 'Donation', metadata: { campaign: 'winter' } });
    expect(link).toMatchObject({ object: 'payment_link', status: 'active', reusable: true, amount: '12.50', currency: 'USDC', url: `${kassa.apiUrl}/l/${link.id}` });

    const first = await visit(link.url);
    const second = await visit(link.url);
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const { page } of [first, second]) {
      expect(new URL(page.url()).pathname).toMatch(/^\/pay\/pay_/);
      await expect(page.locator('#amount').textContent()).resolves.toContain('12.5');
    }
    const ids = [paymentIdOf(first.page), paymentIdOf(second.page)];
    expect(new Set(ids).size).toBe(2);

    const payments = await paymentsOf(link);
    expect(payments.map((payment) => payment.id).sort()).toEqual([...ids].sort());
    for (const payment of payments) {
      expect(payment).toMatchObject({ paymentLinkId: link.id, amount: '12.5', amountBaseUnits: '12500000', currency: 'USDC', description: 'Donation', metadata: { campaign: 'winter' }, status: 'CREATED' });
    }
    const events = await kassa.request<{ data: EventPayload[] }>('GET', '/v1/events?type=payment.created&limit=100');
    const carried = events.body.data.filter((event) => ids.includes((event.data as PaymentObject).id));
    expect(carried.map((event) => (event.data as PaymentObject).paymentLinkId)).toEqual([link.id, link.id]);
  });

  it('sends every visitor of a single-use link to its one open payment, and refuses once that payment is PAID', async () => {
    const link = await createLink({ amount: '3.00', currency: 'USDC', reusable: false, successUrl: 'https://shop.example/thanks' });
    const first = await visit(link.url);
    const again = await visit(link.url);
    expect(paymentIdOf(again.page)).toBe(paymentIdOf(first.page));

    const [payment] = await paymentsOf(link);
    expect(payment!.successUrl).toBe('https://shop.example/thanks');
    await kassa.send(payment!.depositAddress as Address, payment!.token.address as Address, BigInt(payment!.amountBaseUnits));
    await kassa.mine(1);
    await kassa.waitForStatus(payment!.id, 'PAID');

    const late = await visit(link.url);
    expect(late.status).toBe(410);
    await expect(late.page.locator('h1').textContent()).resolves.toBe('Already paid');
    expect(await paymentsOf(link)).toHaveLength(1);
    expect((await kassa.request<PaymentLinkObject>('GET', `/v1/payment-links/${link.id}`)).body.status).toBe('completed');
  });

  it('creates one payment for a single-use link however many visit it at once', async () => {
    const link = await createLink({ amount: '4.00', currency: 'USDC', reusable: false });
    const landings = await Promise.all(
      Array.from({ length: 40 }, () => fetch(link.url, { redirect: 'manual' }).then((response) => [response.status, response.headers.get('location')] as const)),
    );
    const payments = await paymentsOf(link);
    expect(payments).toHaveLength(1);
    expect(landings).toEqual(Array.from({ length: 40 }, () => [303, payments[0]!.checkoutUrl]));
  });

  it('refuses visits of a deactivated link and of an expired one, creating nothing', async () => {
    const link = await createLink({ amount: '1.00', currency: 'USDC' });
    const deactivated = await kassa.request<PaymentLinkObject>('POST', `/v1/payment-links/${link.id}/deactivate`);
    expect(deactivated.body).toMatchObject({ status: 'inactive' });
    expect(deactivated.body.deactivatedAt).not.toBeNull();
    const refused = await visit(link.url);
    expect(refused.status).toBe(410);
    await expect(refused.page.locator('h1').textContent()).resolves.toBe('Payment link inactive');

    const expiring = await createLink({ amount: '1.00', currency: 'USDC', expiresAt: new Date(Date.now() + 1500).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const expired = await visit(expiring.url);
    expect(expired.status).toBe(410);
    await expect(expired.page.locator('h1').textContent()).resolves.toBe('Payment link expired');
    expect(await paymentsOf(link)).toEqual([]);
    expect(await paymentsOf(expiring)).toEqual([]);

    const unknown = await visit(`${kassa.apiUrl}/l/pl_01JD3M6Q8Y7W4ZK2N5R0T9V1XC`);
    expect(unknown.status).toBe(404);
  });

  it('prints a QR code that opens the link, and a priced link quotes each visit in the accepted coins', async () => {
    const link = await createLink({ price: { amount: '20.00', currency: 'USD' }, acceptedCurrencies: ['USDC', 'USDT'], description: 'Gift card' });
    const qr = await visit(link.qrCodeUrl);
    expect(qr.status).toBe(200);
    expect(await decodeQrCode(qr.page, 'svg')).toBe(link.url);

    const landing = await visit(link.url);
    const payment = (await kassa.request<PaymentObject>('GET', `/v1/payments/${paymentIdOf(landing.page)}`)).body;
    expect(payment.price).toEqual({ amount: '20.00', currency: 'USD' });
    expect(payment.options.map((option) => option.currency)).toEqual(['USDC', 'USDT']);
    expect(payment.paymentLinkId).toBe(link.id);
  });

  it('checks a link\'s coins when it is made, lists links newest first, and filters them by state', async () => {
    const bad = await kassa.request<Problem>('POST', '/v1/payment-links', { amount: '1.0000001', currency: 'USDC', expiresAt: '2020-01-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((error) => error.field)).toEqual(['amount']);
    const past = await kassa.request<Problem>('POST', '/v1/payment-links', { amount: '1.00', currency: 'USDC', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.body.errors?.map((error) => error.field)).toEqual(['expiresAt']);
    const unknown = await kassa.request<Problem>('POST', '/v1/payment-links', { price: { amount: '5', currency: 'USD' }, acceptedCurrencies: ['DOGE'] });
    expect(unknown.body.errors?.map((error) => error.field)).toEqual(['acceptedCurrencies[0].currency']);

    const older = await createLink({ amount: '2.00', currency: 'USDC' });
    const newer = await createLink({ amount: '3.00', currency: 'USDC' });
    await kassa.request('POST', `/v1/payment-links/${older.id}/deactivate`);
    const page = await kassa.request<{ data: PaymentLinkObject[]; hasMore: boolean; nextCursor: string }>('GET', '/v1/payment-links?limit=1');
    expect(page.body.data.map((link) => link.id)).toEqual([newer.id]);
    expect(page.body.hasMore).toBe(true);
    const next = await kassa.request<{ data: PaymentLinkObject[] }>('GET', `/v1/payment-links?limit=1&startingAfter=${page.body.nextCursor}`);
    expect(next.body.data.map((link) => link.id)).toEqual([older.id]);
    const inactive = await kassa.request<{ data: PaymentLinkObject[] }>('GET', '/v1/payment-links?active=false&limit=100');
    expect(inactive.body.data.map((link) => link.id)).toContain(older.id);
    expect(inactive.body.data.map((link) => link.id)).not.toContain(newer.id);
  });
});
