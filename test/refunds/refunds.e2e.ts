import { Webhook } from 'standardwebhooks';
import { erc20Abi, type Address } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import type { EventPayload, PaymentObject, PayoutObject, RefundObject } from '@kassa/domain';
import { eventually, randomAddress, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { type Problem, useTestKassa } from '@kassa/testing/scenario';

/**
 * Refunds from the payout wallet on real parts (docs/refunds.md): a Hardhat chain, PostgreSQL,
 * the worker sending from the local payout wallet, and every refund event verified with the
 * `standardwebhooks` library. The customer's balance is read on chain before and after.
 */
describe('refunds from the payout wallet', () => {
  const kassa = useTestKassa({ confirmations: 2, payouts: true });
  let receiver: WebhookReceiver;
  let verifier: Webhook;
  const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address;
  const payoutWallet = HARDHAT_ACCOUNTS[LOCAL_ROLES.payoutWallet]!.address;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await kassa.request<{ secret: string }>('POST', '/v1/webhook-endpoints', { url: receiver.url });
    expect(endpoint.status).toBe(201);
    verifier = new Webhook(endpoint.body.secret);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const usdc = (): Address => kassa.chain.contracts.tokens.USDC;
  const balanceOf = (token: Address | null, owner: Address): Promise<bigint> =>
    token
      ? kassa.chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })
      : kassa.chain.publicClient.getBalance({ address: owner });

  /** A payment paid with `amount` base units of USDC, PAID once confirmed. */
  async function paidPayment(amount: string, sent: bigint): Promise<PaymentObject> {
    const payment = await kassa.createPayment({ amount, currency: 'USDC' });
    await kassa.send(payment.depositAddress as Address, usdc(), sent);
    await kassa.mine(1);
    return kassa.waitForStatus(payment.id, 'PAID');
  }

  /** A refund, or the problem that refused it. */
  type RefundAnswer = RefundObject & Partial<Pick<Problem, 'type' | 'code' | 'detail' | 'errors'>>;
  const refund = (paymentId: string, body: unknown, headers: Record<string, string> = {}) =>
    kassa.request<RefundAnswer>('POST', `/v1/payments/${paymentId}/refunds`, body, headers);

  /** Mines a block at a time until the refund is confirmed. */
  const confirmed = (id: string): Promise<RefundObject> =>
    eventually(async () => {
      const current = (await kassa.request<RefundObject>('GET', `/v1/refunds/${id}`)).body;
      if (current.status === 'confirmed') return current;
      if (current.status === 'failed' || current.status === 'canceled') throw new Error(`refund ${id} ended ${current.status}: ${current.failureReason}`);
      await kassa.mine(1);
      return undefined;
    }, { what: `refund ${id} to be confirmed`, timeoutMs: 30_000 });

  /** The verified webhooks about the refund or payout `id`, as `type:status`, in the order received. */
  const refundWebhooks = (id: string): string[] =>
    receiver.received
      .map((request) =>
        verifier.verify(request.body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }) as EventPayload,
      )
      .filter((event) => event.data.object !== 'payment' && event.data.id === id)
      .map((event) => `${event.type}:${(event.data as RefundObject | PayoutObject).status}`);

  it('refunds a PAID USDC payment in full: the customer receives exactly the amount, with signed refund.created, refund.sent and refund.confirmed', async () => {
    const payment = await paidPayment('12.5', 12_500_000n);
    // An address of its own: no other test's refund or transfer reaches it.
    const recipient = randomAddress();
    const before = await balanceOf(usdc(), recipient);
    const created = await refund(payment.id, { address: recipient, reason: 'Order cancelled' }, { 'idempotency-key': `full-${payment.id}` });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'refund',
      paymentId: payment.id,
      status: 'pending',
      method: 'payout_wallet',
      amount: '12.5',
      amountBaseUnits: '12500000',
      currency: 'USDC',
      chainId: kassa.chain.config.chainId,
      address: recipient,
      addressSource: 'merchant',
      claimUrl: null,
      approvalUrl: null,
    });
    const replay = await refund(payment.id, { address: recipient, reason: 'Order cancelled' }, { 'idempotency-key': `full-${payment.id}` });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(created.body.id);

    const done = await confirmed(created.body.id);
    expect(done.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balanceOf(usdc(), recipient)).toBe(before + 12_500_000n);
    const receipt = await kassa.chain.publicClient.getTransactionReceipt({ hash: done.txHash as `0x${string}` });
    expect(receipt.from.toLowerCase()).toBe(payoutWallet.toLowerCase());

    const after = await kassa.payment(payment.id);
    expect(after).toMatchObject({ amountRefunded: '12.5', amountRefundedBaseUnits: '12500000' });
    expect(after.refunds.map((r) => [r.id, r.status])).toEqual([[created.body.id, 'confirmed']]);
    await eventually(async () => (refundWebhooks(created.body.id).length >= 3 ? true : undefined), { what: 'three refund webhooks' });
    expect(refundWebhooks(created.body.id)).toEqual(['refund.created:pending', 'refund.sent:sent', 'refund.confirmed:confirmed']);

    const again = await refund(payment.id, { address: recipient });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('refund_not_allowed');
  });

  it('refunds part of a payment, then refuses more than what is left, naming it', async () => {
    const payment = await paidPayment('10', 10_000_000n);
    // An address of its own: no other test's refund or transfer reaches it.
    const recipient = randomAddress();
    const first = await refund(payment.id, { address: recipient, amount: '4.25' });
    expect(first.status).toBe(201);
    const tooMuch = await refund(payment.id, { address: recipient, amount: '6' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ code: 'refund_exceeds_received', type: 'urn:kassa:problem:refund-exceeds-received' });
    expect(tooMuch.body.detail).toContain('5.75 USDC');
    const before = await balanceOf(usdc(), recipient);
    await confirmed(first.body.id);
    expect(await balanceOf(usdc(), recipient)).toBe(before + 4_250_000n);
    expect((await kassa.payment(payment.id)).amountRefundedBaseUnits).toBe('4250000');
  });

  it('refunds the excess of an OVERPAID payment by default', async () => {
    const payment = await paidPayment('10', 13_000_000n);
    // An address of its own: no other test's refund or transfer reaches it.
    const recipient = randomAddress();
    expect(payment.exception).toBe('OVERPAID');
    const excess = await refund(payment.id, { address: recipient });
    expect(excess.status).toBe(201);
    expect(excess.body.amountBaseUnits).toBe('3000000');
    const before = await balanceOf(usdc(), recipient);
    await confirmed(excess.body.id);
    expect(await balanceOf(usdc(), recipient)).toBe(before + 3_000_000n);
  });

  it('refunds a transfer that arrived after the payment was PAID (PAID_LATE)', async () => {
    const payment = await paidPayment('5', 5_000_000n);
    await kassa.send(payment.depositAddress as Address, usdc(), 2_000_000n);
    await kassa.mine(1);
    const late = await eventually(async () => {
      const current = await kassa.payment(payment.id);
      return current.exception === 'PAID_LATE' && current.amountReceivedBaseUnits === '7000000' ? current : undefined;
    }, { what: 'the late transfer to be counted' });
    expect(late.status).toBe('PAID');
    const created = await refund(payment.id, { address: customer });
    expect(created.status).toBe(201);
    expect(created.body.amountBaseUnits).toBe('2000000');
    await confirmed(created.body.id);
  });

  it('refunds an UNDERPAID TIMEOUT payment in the native coin: everything received, to the customer, exactly', async () => {
    const payment = await kassa.createPayment({ amount: '1', currency: 'ETH' });
    await kassa.send(payment.depositAddress as Address, null, 400_000_000_000_000_000n);
    await kassa.mine(2);
    await kassa.waitForStatus(payment.id, 'PENDING');
    await kassa.dataSource.query('UPDATE payments SET expires_at = $2 WHERE id = $1', [payment.id, new Date(Date.now() - 1000)]);
    const timedOut = await kassa.waitForStatus(payment.id, 'TIMEOUT');
    expect(timedOut.exception).toBe('UNDERPAID');
    const recipient = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[4]]!.address;
    const before = await balanceOf(null, recipient);
    const created = await refund(payment.id, { address: recipient });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ currency: 'ETH', amountBaseUnits: '400000000000000000', token: { address: null, decimals: 18 } });
    await confirmed(created.body.id);
    expect(await balanceOf(null, recipient)).toBe(before + 400_000_000_000_000_000n);
  });

  it('never lets 20 concurrent refunds of one payment exceed what it received', async () => {
    const payment = await paidPayment('10', 10_000_000n);
    const answers = await Promise.all(Array.from({ length: 20 }, () => refund(payment.id, { address: customer, amount: '0.75' })));
    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(created).toHaveLength(13);
    expect(refused.every((answer) => answer.status === 409 && answer.body.code === 'refund_exceeds_received')).toBe(true);
    const stored = await kassa.dataSource.query<{ total: string; count: string }[]>(
      `SELECT sum(amount)::text AS total, count(*)::text AS count FROM refunds WHERE payment_id = $1`,
      [payment.id],
    );
    expect(stored[0]).toEqual({ total: '9750000', count: '13' });
    // What is left, 0.25, can still be refunded; nothing more.
    expect((await refund(payment.id, { address: customer, amount: '0.25' })).status).toBe(201);
    expect((await refund(payment.id, { address: customer, amount: '0.000001' })).body.code).toBe('refund_exceeds_received');
  });

  it('refuses refunds of an open payment, to a deposit address, to a mistyped address, and on another network', async () => {
    const open = await kassa.createPayment({ amount: '1', currency: 'USDC' });
    expect((await refund(open.id, { address: customer })).body.code).toBe('refund_not_allowed');

    const payment = await paidPayment('1', 1_000_000n);
    const deposit = await refund(payment.id, { address: open.depositAddress });
    expect(deposit.status).toBe(400);
    expect(deposit.body.errors).toEqual([{ field: 'address', message: expect.stringContaining('Kassa deposit address') }]);

    // One letter's case flipped: the EIP-55 checksum no longer matches.
    const letter = customer.slice(2).search(/[a-fA-F]/) + 2;
    const flipped = customer[letter]! === customer[letter]!.toLowerCase() ? customer[letter]!.toUpperCase() : customer[letter]!.toLowerCase();
    const mistyped = customer.slice(0, letter) + flipped + customer.slice(letter + 1);
    const bad = await refund(payment.id, { address: mistyped });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.message).toContain('checksum');

    const otherNetwork = await refund(payment.id, { address: customer, chainId: 1 });
    expect(otherNetwork.status).toBe(400);
    expect(otherNetwork.body.errors?.[0]?.field).toBe('chainId');
  });

  it('cancels a refund before the worker signs it, and the cancel frees its amount', async () => {
    const payment = await paidPayment('3', 3_000_000n);
    const created = await refund(payment.id, {});
    expect(created.body).toMatchObject({ status: 'awaiting_address', address: null, claimUrl: expect.stringMatching(/\/refunds\/claim\/[A-Za-z0-9_-]{32}$/) });
    const canceled = await kassa.request<RefundObject>('POST', `/v1/refunds/${created.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect((await kassa.request<Problem>('POST', `/v1/refunds/${created.body.id}/cancel`)).status).toBe(409);
    const list = await kassa.request<{ data: RefundObject[] }>('GET', `/v1/refunds?paymentId=${payment.id}`);
    expect(list.body.data.map((r) => r.status)).toEqual(['canceled']);
    expect((await refund(payment.id, { address: customer })).body.amountBaseUnits).toBe('3000000');
    await eventually(async () => (refundWebhooks(created.body.id).includes('refund.canceled:canceled') ? true : undefined), { what: 'refund.canceled' });
  });

  it('sends payouts and batches from the payout wallet within the limits, and refuses beyond them with a clear problem', async () => {
    const recipient = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[3]]!.address;
    const before = await balanceOf(usdc(), recipient);
    const single = await kassa.request<PayoutObject>('POST', '/v1/payouts', { address: recipient, amount: '150', currency: 'USDC', description: 'Supplier invoice' });
    expect(single.status).toBe(201);
    expect(single.body).toMatchObject({ object: 'payout', status: 'pending', amountBaseUnits: '150000000', refundId: null });
    const batch = await kassa.request<{ id: string; payouts: PayoutObject[] }>('POST', '/v1/payouts/batch', {
      payouts: [
        { address: recipient, amount: '1', currency: 'USDC' },
        { address: recipient, amount: '2', currency: 'USDC' },
      ],
    });
    expect(batch.status).toBe(201);
    const ids = [single.body.id, ...batch.body.payouts.map((payout) => payout.id)];
    await eventually(async () => {
      const statuses = await Promise.all(ids.map(async (id) => (await kassa.request<PayoutObject>('GET', `/v1/payouts/${id}`)).body.status));
      if (statuses.every((status) => status === 'confirmed')) return true;
      await kassa.mine(1);
      return undefined;
    }, { what: 'three payouts to be confirmed', timeoutMs: 30_000 });
    expect(await balanceOf(usdc(), recipient)).toBe(before + 153_000_000n);
    await eventually(async () => (refundWebhooks(single.body.id).length >= 3 ? true : undefined), { what: 'three payout webhooks' });
    expect(refundWebhooks(single.body.id)).toEqual(['payout.created:pending', 'payout.sent:sent', 'payout.confirmed:confirmed']);

    const overOne = await kassa.request<Problem>('POST', '/v1/payouts', { address: recipient, amount: '10000.01', currency: 'USDC' });
    expect(overOne.status).toBe(422);
    expect(overOne.body).toMatchObject({ code: 'payout_limit_exceeded', detail: expect.stringContaining('limit per payout, 10000 USDC') });
    const overDay = await kassa.request<Problem>('POST', '/v1/payouts/batch', {
      payouts: Array.from({ length: 10 }, () => ({ address: recipient, amount: '10000', currency: 'USDC' })),
    });
    expect(overDay.status).toBe(422);
    expect(overDay.body.detail).toContain('daily limit of 100000 USDC');
    // The refused batch left nothing behind.
    const pending = await kassa.request<{ data: PayoutObject[] }>('GET', '/v1/payouts?status=pending');
    expect(pending.body.data).toEqual([]);
    const noLimit = await kassa.request<Problem>('POST', '/v1/payouts', { address: recipient, amount: '1', currency: 'ETH' });
    expect(noLimit.status).toBe(201);
  });

  it('finds a refund the merchant paid from its own wallet without the approval page: a USDC Transfer log, a native transaction; a wrong amount does not count', async () => {
    const merchantWallet = LOCAL_ROLES.customers[3];
    const token = await paidPayment('4', 4_000_000n);
    const byToken = await refund(token.id, { address: customer, amount: '1.5', method: 'merchant_wallet' });
    expect(byToken.body.status).toBe('pending');
    await kassa.send(customer, usdc(), 1_400_000n, merchantWallet); // not the refund's amount
    const paid = await kassa.send(customer, usdc(), 1_500_000n, merchantWallet);
    expect((await confirmed(byToken.body.id)).txHash).toBe(paid);

    const native = await kassa.createPayment({ amount: '0.2', currency: 'ETH' });
    await kassa.send(native.depositAddress as Address, null, 200_000_000_000_000_000n);
    await kassa.mine(1);
    await kassa.waitForStatus(native.id, 'PAID');
    const byCoin = await refund(native.id, { address: customer, method: 'merchant_wallet' });
    expect(byCoin.body.amountBaseUnits).toBe('200000000000000000');
    const sent = await kassa.send(customer, null, 200_000_000_000_000_000n, merchantWallet);
    expect((await confirmed(byCoin.body.id)).txHash).toBe(sent);
    expect(refundWebhooks(byCoin.body.id).length).toBeGreaterThanOrEqual(1);
  });

  it('issues a new approval link on request; the old one stops working', async () => {
    const payment = await paidPayment('2', 2_000_000n);
    const created = await refund(payment.id, { address: customer, amount: '1', method: 'merchant_wallet' });
    const first = created.body.approvalUrl!;
    expect((await fetch(first)).status).toBe(200);
    const renewed = await kassa.request<RefundObject>('POST', `/v1/refunds/${created.body.id}/approval`);
    expect(renewed.status).toBe(200);
    expect(renewed.body.approvalUrl).not.toBe(first);
    expect((await fetch(first)).status).toBe(404);
    expect((await fetch(renewed.body.approvalUrl!)).status).toBe(200);
    const byWallet = await refund(payment.id, { address: customer, amount: '0.5' });
    expect(byWallet.status).toBe(201);
    expect((await kassa.request<Problem>('POST', `/v1/refunds/${byWallet.body.id}/approval`)).status).toBe(409);
  });

  it('lets a payout wait while the payout wallet lacks its coin, sends the ones behind it, and sends it once the wallet is funded', async () => {
    const usdt = kassa.chain.contracts.tokens.USDT;
    const recipient = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[2]]!.address;
    const held = await balanceOf(usdt, payoutWallet);
    await kassa.send(customer, usdt, held, LOCAL_ROLES.payoutWallet); // the wallet's USDT leaves
    const starved = await kassa.request<PayoutObject>('POST', '/v1/payouts', { address: recipient, amount: '3', currency: 'USDT' });
    const behind = await kassa.request<PayoutObject>('POST', '/v1/payouts', { address: recipient, amount: '4', currency: 'USDC' });
    const statusOf = async (id: string) => (await kassa.request<PayoutObject>('GET', `/v1/payouts/${id}`)).body;
    await eventually(async () => {
      if ((await statusOf(behind.body.id)).status === 'confirmed') return true;
      await kassa.mine(1);
      return undefined;
    }, { what: 'the USDC payout behind the waiting one to be confirmed' });
    const waiting = await statusOf(starved.body.id);
    expect(waiting).toMatchObject({ status: 'pending', lastError: expect.stringContaining('holds 0 USDT, 3 are needed') });

    await kassa.send(payoutWallet, usdt, 10_000_000n, LOCAL_ROLES.customers[0]);
    const before = await balanceOf(usdt, recipient);
    await eventually(async () => {
      if ((await statusOf(starved.body.id)).status === 'confirmed') return true;
      await kassa.mine(1);
      return undefined;
    }, { what: 'the USDT payout to be sent once the wallet holds USDT' });
    expect(await balanceOf(usdt, recipient)).toBe(before + 3_000_000n);
    expect((await statusOf(starved.body.id)).lastError).toBeNull();
  });
});
