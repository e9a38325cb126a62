import type { Address } from 'viem';

import { asMerchantId } from '@kassa/domain';
import { MerchantsRepository } from '@kassa/persistence';
import { eventually } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * The public checkout routes over HTTP, without a browser: what leaves the server, how an
 * unknown payment is answered, the page's security headers, and the live event stream.
 */
describe('the hosted checkout routes', () => {
  const kassa = useTestKassa({ confirmations: 2 });


  /** A public GET, as a customer's browser makes it: no API key. */
  const get = (path: string) => fetch(`${kassa.apiUrl}${path}`);

  it('shows a customer only the public fields of their own payment', async () => {
    const other = await kassa.createPayment({ amount: '3', currency: 'USDC', orderId: 'other-order', metadata: { crm: 'other-customer-4711' } });
    const payment = await kassa.createPayment({
      amount: '12.5',
      currency: 'USDC',
      orderId: 'order-77',
      description: 'A4 notebook',
      metadata: { crm: 'customer-secret-0815' },
      successUrl: 'https://shop.example/thanks?ref=private-campaign',
    });
    const status = await get(`/pay/${payment.id}/status`);
    const page = await get(`/pay/${payment.id}`);
    expect(status.status).toBe(200);
    expect(page.status).toBe(200);
    const statusText = await status.text();
    const html = await page.text();
    for (const body of [statusText, html]) {
      expect(body).toContain(payment.depositAddress);
      expect(body).toContain('order-77');
      expect(body).not.toContain('customer-secret-0815');
      expect(body).not.toContain('private-campaign');
      expect(body).not.toContain(kassa.apiKey);
      expect(body).not.toContain(other.id);
      expect(body).not.toContain(other.depositAddress);
      expect(body).not.toContain('other-customer-4711');
    }
    expect(JSON.parse(statusText)).toMatchObject({
      id: payment.id,
      status: 'CREATED',
      merchantName: 'Test Shop',
      amount: '12.5',
      amountBaseUnits: '12500000',
      amountRemainingBaseUnits: '12500000',
      currency: 'USDC',
      chainId: kassa.chain.config.chainId,
      depositAddress: payment.depositAddress,
      paymentUri: payment.paymentUri,
      token: payment.token,
      redirectUrl: null,
    });
    expect(JSON.parse(statusText)).not.toHaveProperty('metadata');
  });

  it('answers an unknown payment with a plain HTML 404 page, and its status with a 404 problem', async () => {
    for (const id of ['pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', 'not-a-payment-id']) {
      const page = await get(`/pay/${id}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('Payment not found');
    }
    const status = await get('/pay/pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC/status');
    expect(status.status).toBe(404);
    expect(status.headers.get('content-type')).toContain('application/problem+json');
  });

  it('forbids external sources and framing by default, and lets only the merchant\'s allowed origins embed the page', async () => {
    const payment = await kassa.createPayment({ amount: '1', currency: 'USDC' });
    const page = await get(`/pay/${payment.id}`);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");

    await new MerchantsRepository(kassa.dataSource).updateSettings(asMerchantId(kassa.merchantId), { allowedOrigins: ['https://shop.example'] });
    const embedded = await get(`/pay/${payment.id}?embed=1`);
    expect(embedded.headers.get('content-security-policy')).toMatch(/; frame-ancestors https:\/\/shop\.example$/);
    expect(embedded.headers.get('x-frame-options')).toBeNull();
    const html = await embedded.text();
    const script = html.match(/src="(assets\/checkout\.js\?v=\w+)"/);
    expect(script).not.toBeNull();
    const asset = await get(`/pay/${script![1]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(await asset.text()).toContain('kassa:payment');
  });

  it('streams the status as it changes, CREATED to PENDING to PAID, and ends the stream when the payment is final', async () => {
    const payment = await kassa.createPayment({ amount: '2', currency: 'USDC' });
    const response = await get(`/pay/${payment.id}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const statuses: string[] = [];
    let buffer = '';
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((line) => line.startsWith('data: '));
          if (event.includes('event: payment') && data) statuses.push((JSON.parse(data.slice(6)) as { status: string }).status);
        }
      }
    })();
    await eventually(async () => (statuses.includes('CREATED') ? true : undefined), { what: 'the first event' });
    await kassa.send(payment.depositAddress as Address, kassa.chain.contracts.tokens.USDC, 2_000_000n);
    await eventually(async () => (statuses.includes('PENDING') ? true : undefined), { what: 'a PENDING event' });
    await kassa.mine(1);
    await reading; // the server ends the stream once the payment is PAID
    expect(statuses[0]).toBe('CREATED');
    expect(statuses.at(-1)).toBe('PAID');
    expect(statuses.filter((status) => status === 'PAID')).toHaveLength(1);
  });
});
