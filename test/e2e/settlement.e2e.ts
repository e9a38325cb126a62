import { Webhook } from 'standardwebhooks';
import { getAddress, parseEther, parseUnits, type Address } from 'viem';

import { cloneRuntimeCode, depositForwarderAbi, HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import { type EventPayload, type PaymentObject, paymentOfEvent, type SettlementObject } from '@kassa/domain';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { settlementTransaction, settlementWorld, useTestKassa } from '@kassa/testing/scenario';

/**
 * Settlement end to end on a real chain and a real worker: a paid payment's funds leave its
 * deposit address (for which no private key exists) for the merchant's treasury, paid for by
 * the operator's gas payer; the merchant sees it on the payment, in `GET /v1/settlements`
 * and in a `payment.settled` webhook.
 */
describe('settlement of paid payments to the merchant treasury', () => {
  const kassa = useTestKassa({ confirmations: 2, settlement: true });
  let receiver: WebhookReceiver;
  let verifier: Webhook;
  const world = settlementWorld(() => kassa);
  const treasury = HARDHAT_ACCOUNTS[LOCAL_ROLES.treasury]!.address;
  const gasPayer = HARDHAT_ACCOUNTS[LOCAL_ROLES.settlementGasPayer]!.address;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await kassa.request<{ secret: string }>('POST', '/v1/webhook-endpoints', { url: receiver.url, enabledEvents: ['payment.settled'] });
    verifier = new Webhook(endpoint.body.secret);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  /** The verified `payment.settled` webhooks of a payment. */
  const settledWebhooks = (paymentId: string): EventPayload[] =>
    receiver.received
      .map(
        (request) =>
          verifier.verify(request.body, {
            'webhook-id': String(request.headers['webhook-id']),
            'webhook-timestamp': String(request.headers['webhook-timestamp']),
            'webhook-signature': String(request.headers['webhook-signature']),
          }) as EventPayload,
      )
      .filter((event) => event.type === 'payment.settled' && event.data.id === paymentId);

  it('moves a paid payment to the treasury: address emptied, settlement with gas and amount, payment.settled sent', async () => {
    const usdc = world.tokenOf('USDC');
    const treasuryBefore = await world.balance(usdc, treasury);
    const paid = await world.paid({ amount: '25.5', currency: 'USDC', orderId: 'order-settle-1' });

    const settled = await world.settled(paid.id);

    const deposit = paid.depositAddress as Address;
    expect(await world.balance(usdc, deposit)).toBe(0n);
    expect(await world.balance(usdc, treasury)).toBe(treasuryBefore + parseUnits('25.5', 6));
    // The deposit address is the clone the factory deployed, bound to the treasury: a contract, not a key.
    expect(await kassa.chain.publicClient.getCode({ address: deposit })).toBe(cloneRuntimeCode(kassa.chain.contracts.implementation));
    expect(await kassa.chain.publicClient.readContract({ address: deposit, abi: depositForwarderAbi, functionName: 'treasury' })).toBe(treasury);

    expect(settled.settlement).toMatchObject({ status: 'settled', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    const { transaction, receipt } = await settlementTransaction(kassa, settled.settlement!.txHash!);
    expect(getAddress(transaction.from)).toBe(gasPayer);
    expect(getAddress(transaction.to!)).toBe(getAddress(kassa.chain.contracts.factory));
    expect(receipt.status).toBe('success');

    const [settlement] = await world.settlementsOf(paid.id);
    expect(settlement).toMatchObject({
      object: 'settlement',
      paymentId: paid.id,
      status: 'settled',
      depositAddress: deposit,
      treasuryAddress: treasury,
      amounts: [{ currency: 'USDC', token: { address: usdc, decimals: 6 }, amount: '25.5', amountBaseUnits: '25500000' }],
      transaction: {
        hash: receipt.transactionHash,
        blockNumber: receipt.blockNumber.toString(),
        gasUsed: receipt.gasUsed.toString(),
        effectiveGasPrice: receipt.effectiveGasPrice.toString(),
        fee: (receipt.gasUsed * receipt.effectiveGasPrice).toString(),
        batchSize: 1,
      },
    });

    const webhook = await eventually(async () => settledWebhooks(paid.id)[0], { what: `payment.settled for ${paid.id}` });
    expect(paymentOfEvent(webhook).settlement).toEqual({ status: 'settled', id: settlement!.id, txHash: receipt.transactionHash, settledAt: settlement!.settledAt });
    expect(webhook.data).toMatchObject({ status: 'PAID', orderId: 'order-settle-1' });
  });

  it('moves native coin, and another accepted token sent to the same address, in one flush', async () => {
    const dai = world.tokenOf('DAI');
    const [ethBefore, daiBefore] = await Promise.all([world.balance(null, treasury), world.balance(dai, treasury)]);
    const created = (await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '0.4', currency: 'ETH' })).body;
    await kassa.send(created.depositAddress as Address, dai, parseUnits('3', 18)); // the wrong coin: recorded, not counted
    await kassa.send(created.depositAddress as Address, null, parseEther('0.4'));
    await kassa.mine(1);
    await world.waitForStatus(created.id, 'PAID');

    await world.settled(created.id);

    const [settlement] = await world.settlementsOf(created.id);
    expect(settlement!.amounts).toEqual([
      { currency: 'ETH', token: { address: null, decimals: 18 }, amount: '0.4', amountBaseUnits: parseEther('0.4').toString() },
      { currency: 'DAI', token: { address: dai, decimals: 18 }, amount: '3', amountBaseUnits: parseUnits('3', 18).toString() },
    ]);
    expect(await world.balance(null, treasury)).toBe(ethBefore + parseEther('0.4'));
    expect(await world.balance(dai, treasury)).toBe(daiBefore + parseUnits('3', 18));
    expect(await world.balance(null, created.depositAddress as Address)).toBe(0n);
  });

  it('settles a late transfer to an already settled payment again, with a second payment.settled', async () => {
    const usdt = world.tokenOf('USDT');
    const paid = await world.paid({ amount: '7', currency: 'USDT' });
    const first = await world.settled(paid.id);

    await kassa.send(paid.depositAddress as Address, usdt, parseUnits('2', 6));
    await kassa.mine(1);
    const late = await eventually(async () => {
      const current = await world.payment(paid.id);
      return current.exception === 'PAID_LATE' && current.settlement?.txHash !== first.settlement?.txHash ? current : undefined;
    }, { what: 'the late transfer to be recorded and settled', timeoutMs: 30_000 });
    expect(late.status).toBe('PAID');
    const second = await world.settled(paid.id);

    expect(second.settlement!.id).not.toBe(first.settlement!.id);
    const settlements = await world.settlementsOf(paid.id);
    expect(settlements.map((s) => [s.status, s.amounts.map((a) => a.amountBaseUnits)])).toEqual([
      ['settled', ['2000000']],
      ['settled', ['7000000']],
    ]);
    expect(await world.balance(usdt, paid.depositAddress as Address)).toBe(0n);
    await eventually(async () => (settledWebhooks(paid.id).length === 2 ? true : undefined), { what: 'two payment.settled webhooks' });
  });

  it('settles the value of an underpaid payment that timed out: the funds belong to the treasury all the same', async () => {
    const usdc = world.tokenOf('USDC');
    const created = (await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '10', currency: 'USDC' })).body;
    await kassa.send(created.depositAddress as Address, usdc, parseUnits('4', 6));
    await kassa.mine(1);
    await eventually(async () => ((await world.payment(created.id)).amountReceivedBaseUnits === '4000000' ? true : undefined), {
      what: 'the partial transfer to be confirmed',
    });
    expect((await world.payment(created.id)).settlement).toBeNull(); // open payments are never flushed
    await kassa.dataSource.query('UPDATE payments SET expires_at = $2 WHERE id = $1', [created.id, new Date(Date.now() - 1000)]);
    const timedOut = await world.waitForStatus(created.id, 'TIMEOUT');
    expect(timedOut.exception).toBe('UNDERPAID');

    await world.settled(created.id);

    expect((await world.settlementsOf(created.id))[0]!.amounts[0]!.amountBaseUnits).toBe('4000000');
    expect(await world.balance(usdc, created.depositAddress as Address)).toBe(0n);
  });

  it('does not flush a payment that never received anything', async () => {
    const created = (await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '1', currency: 'USDC' })).body;
    await kassa.request('POST', `/v1/payments/${created.id}/cancel`);
    const canceled = await world.waitForStatus(created.id, 'CANCELED');
    expect(canceled.settlement).toBeNull();
    expect(await world.settlementsOf(created.id)).toEqual([]);
  });

  describe('GET /v1/settlements', () => {
    it("pages newest first with filters, and shows no other merchant's settlements", async () => {
      const paid = [await world.paid({ amount: '1', currency: 'USDC' }), await world.paid({ amount: '2', currency: 'USDC' })];
      for (const payment of paid) await world.settled(payment.id);

      const page1 = await kassa.request<{ object: string; data: SettlementObject[]; hasMore: boolean; nextCursor: string }>('GET', '/v1/settlements?limit=1&status=settled');
      expect(page1.status).toBe(200);
      expect(page1.body).toMatchObject({ object: 'list', hasMore: true });
      const page2 = await kassa.request<{ data: SettlementObject[] }>('GET', `/v1/settlements?limit=1&status=settled&startingAfter=${page1.body.nextCursor}`);
      expect(page2.body.data[0]!.id < page1.body.data[0]!.id).toBe(true);
      expect((await world.settlementsOf(paid[0]!.id)).map((s) => s.paymentId)).toEqual([paid[0]!.id]);
      const one = await kassa.request<SettlementObject>('GET', `/v1/settlements/${page1.body.data[0]!.id}`);
      expect(one.body).toEqual(page1.body.data[0]);

      const other = await kassa.createMerchant('Other shop');
      const theirs = await kassa.request<{ data: unknown[] }>('GET', '/v1/settlements', undefined, { authorization: `Bearer ${other.apiKey}` });
      expect(theirs.body.data).toEqual([]);
      const hidden = await kassa.request('GET', `/v1/settlements/${page1.body.data[0]!.id}`, undefined, { authorization: `Bearer ${other.apiKey}` });
      expect(hidden.status).toBe(404);
    });

    it('answers bad filters with an RFC 9457 problem naming the fields', async () => {
      const response = await kassa.request<{ status: number; code: string; errors: { field: string }[] }>('GET', '/v1/settlements?status=lost&startingAfter=pay_1&limit=0');
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.errors.map((e) => e.field).sort()).toEqual(['limit', 'startingAfter', 'status']);
      expect((await kassa.request('GET', '/v1/settlements/stl_nope')).status).toBe(404);
    });
  });
});
