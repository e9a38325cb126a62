import { Webhook } from 'standardwebhooks';
import type { Address } from 'viem';

import { type EventPayload, type PaymentObject, paymentOfEvent } from '@kassa/domain';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * Kassa end to end on real parts: a merchant creates a payment over HTTP, a customer pays
 * on a real Hardhat node, the watcher confirms it, and the merchant's endpoint receives a
 * Standard Webhooks-signed `payment.paid` that the `standardwebhooks` library verifies.
 */
describe('a payment from creation to the merchant\'s webhook', () => {
  const kassa = useTestKassa({ confirmations: 2 });
  let receiver: WebhookReceiver;
  let verifier: Webhook;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await kassa.request<{ secret: string }>('POST', '/v1/webhook-endpoints', { url: receiver.url });
    expect(endpoint.status).toBe(201);
    verifier = new Webhook(endpoint.body.secret);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const statusOf = (id: string) => kassa.payment(id);

  /** The verified webhook of `type` for payment `id` (throws if its signature does not verify). */
  const webhookOf = (id: string, type: string) =>
    eventually(async () => {
      for (const request of receiver.received) {
        const event = verifier.verify(request.body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }) as EventPayload;
        if (event.type === type && event.data.id === id) return { event, headers: request.headers };
      }
      return undefined;
    }, { what: `webhook ${type} for ${id}` });

  const tokenOf = (symbol: 'USDC' | 'USDT' | 'DAI'): Address => kassa.chain.contracts.tokens[symbol];

  it.each([
    ['USDC', '25.50', 25_500_000n],
    ['USDT', '10', 10_000_000n],
    ['DAI', '1.000000000000000001', 1_000_000_000_000_000_001n],
  ] as const)('pays in %s: PENDING, then PAID after the confirmations, then a verified payment.paid', async (symbol, amount, baseUnits) => {
    const payment = await kassa.createPayment({ amount, currency: symbol, orderId: `order-${symbol}` });
    expect(payment).toMatchObject({ status: 'CREATED', amountBaseUnits: baseUnits.toString(), currency: symbol, requiredConfirmations: 2 });
    expect(payment.paymentUri).toBe(`ethereum:${tokenOf(symbol)}@${kassa.chain.config.chainId}/transfer?address=${payment.depositAddress}&uint256=${baseUnits}`);
    expect(payment.checkoutUrl).toBe(`${kassa.apiUrl}/pay/${payment.id}`);

    await kassa.send(payment.depositAddress as Address, tokenOf(symbol), baseUnits);
    const pending = await kassa.waitForStatus(payment.id, 'PENDING');
    expect(pending.transfers).toHaveLength(1);
    expect(pending.transfers[0]).toMatchObject({ amountBaseUnits: baseUnits.toString(), confirmations: 1, status: 'active' });

    await kassa.mine(1);
    const paid = await kassa.waitForStatus(payment.id, 'PAID');
    expect(paid).toMatchObject({ exception: null, amountReceivedBaseUnits: baseUnits.toString() });
    expect(paid.paidAt).not.toBeNull();

    const { event, headers } = await webhookOf(payment.id, 'payment.paid');
    expect(headers['webhook-id']).toBe(event.id);
    expect(event.data).toMatchObject({ id: payment.id, status: 'PAID', orderId: `order-${symbol}` });
    await webhookOf(payment.id, 'payment.created');
    await webhookOf(payment.id, 'payment.pending');
  });

  it('pays in the native coin', async () => {
    const payment = await kassa.createPayment({ amount: '0.5', currency: 'ETH' });
    expect(payment.paymentUri).toBe(`ethereum:${payment.depositAddress}@${kassa.chain.config.chainId}?value=500000000000000000`);
    await kassa.send(payment.depositAddress as Address, null, 500_000_000_000_000_000n);
    await kassa.mine(1);
    await kassa.waitForStatus(payment.id, 'PAID');
    await webhookOf(payment.id, 'payment.paid');
  });

  it('adds up two partial transfers made before the deadline', async () => {
    const payment = await kassa.createPayment({ amount: '10', currency: 'USDC' });
    await kassa.send(payment.depositAddress as Address, tokenOf('USDC'), 4_000_000n);
    await kassa.mine(2);
    const partial = await eventually(async () => {
      const current = await statusOf(payment.id);
      return current.amountReceivedBaseUnits === '4000000' ? current : undefined;
    }, { what: 'the first partial transfer to be confirmed' });
    expect(partial.status).toBe('PENDING');
    await kassa.send(payment.depositAddress as Address, tokenOf('USDC'), 6_000_000n, 2);
    await kassa.mine(1);
    const paid = await kassa.waitForStatus(payment.id, 'PAID');
    expect(paid.transfers).toHaveLength(2);
    expect(paid.amountReceivedBaseUnits).toBe('10000000');
  });

  /** Moves a payment's deadline to `seconds` from now (the scheduler reads it from the database). */
  const setDeadline = (id: string, at: Date) => kassa.dataSource.query('UPDATE payments SET expires_at = $2 WHERE id = $1', [id, at]);

  it('times out an underpaid payment at its deadline with exception UNDERPAID', async () => {
    const payment = await kassa.createPayment({ amount: '10', currency: 'USDC' });
    await kassa.send(payment.depositAddress as Address, tokenOf('USDC'), 3_000_000n);
    await kassa.mine(2);
    await kassa.waitForStatus(payment.id, 'PENDING');
    await setDeadline(payment.id, new Date(Date.now() - 1000));
    const timedOut = await kassa.waitForStatus(payment.id, 'TIMEOUT');
    expect(timedOut).toMatchObject({ exception: 'UNDERPAID', amountReceivedBaseUnits: '3000000' });
    expect(timedOut.finalizedAt).not.toBeNull();
    const { event } = await webhookOf(payment.id, 'payment.timeout');
    expect(paymentOfEvent(event).exception).toBe('UNDERPAID');
  });

  it('does not time out a payment paid in time that still waits for confirmations', async () => {
    const payment = await kassa.createPayment({ amount: '5', currency: 'USDC' });
    const hash = await kassa.send(payment.depositAddress as Address, tokenOf('USDC'), 5_000_000n);
    const receipt = await kassa.chain.publicClient.getTransactionReceipt({ hash });
    const block = await kassa.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    await kassa.waitForStatus(payment.id, 'PENDING');
    // The deadline is the very second of the transfer's block: paid in time, one confirmation of two.
    await setDeadline(payment.id, new Date(Number(block.timestamp) * 1000));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await statusOf(payment.id)).status).toBe('PENDING');
    await kassa.mine(1);
    const paid = await kassa.waitForStatus(payment.id, 'PAID');
    expect(paid.exception).toBeNull();
  });

  it('times out an unpaid payment and announces payment.timeout', async () => {
    const payment = await kassa.createPayment({ amount: '1', currency: 'USDC' });
    await setDeadline(payment.id, new Date(Date.now() - 1000));
    const timedOut = await kassa.waitForStatus(payment.id, 'TIMEOUT');
    expect(timedOut.exception).toBeNull();
    await webhookOf(payment.id, 'payment.timeout');
  });

  it('cancels a CREATED payment once, and keeps it canceled past its deadline', async () => {
    const payment = await kassa.createPayment({ amount: '1', currency: 'USDC' });
    const canceled = await kassa.request<PaymentObject>('POST', `/v1/payments/${payment.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('CANCELED');
    const again = await kassa.request('POST', `/v1/payments/${payment.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    await setDeadline(payment.id, new Date(Date.now() - 1000));
    await webhookOf(payment.id, 'payment.canceled');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await statusOf(payment.id)).status).toBe('CANCELED');
  });
});
