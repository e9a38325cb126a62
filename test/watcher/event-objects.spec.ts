import type { PaymentObject } from '@kassa/domain';
import { PaymentObjectsService, SettlementPoliciesRepository } from '@kassa/persistence';

import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * The watcher builds the payment object of its events from what its step holds (no re-read:
 * docs/performance.md "Busy chain"). That object must be the one the API reads back from the
 * database at the same moment, field for field, including a payment that moves to another
 * option (a priced payment paid in its second coin) and its transfers' confirmations.
 */
describe('watcher: the payment objects of its events', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  it('are what the database gives for the payment at that moment, for a payment that moves to its second option and goes PAID', async () => {
    const payment = await kit.createPricedPayment({ price: '25', accepted: [{ coin: 'USDT' }, { coin: 'USDC' }] });
    await kit.waitUntilWatched(watcher, payment);
    const usdc = payment.options![1]!;

    const { blockNumber } = await kit.pay('USDC', usdc.depositAddress, usdc.amount);
    await kit.waitForCursor(blockNumber, watcher);
    const objects = watcher.app.get(PaymentObjectsService);
    const pending = (await kit.events(payment.id)).find((event) => event.type === 'payment.pending')!.data as PaymentObject;
    expect(pending).toEqual(await objects.build(await kit.payment(payment.id)));
    expect(pending).toMatchObject({ status: 'PENDING', currency: 'USDC' });

    await kit.waitForCursor(await kit.mine(2), watcher);
    const paid = (await kit.events(payment.id)).find((event) => event.type === 'payment.paid')!.data as PaymentObject;
    expect(paid).toEqual(await objects.build(await kit.payment(payment.id)));
    expect(paid).toMatchObject({ status: 'PAID', currency: 'USDC', amountBaseUnits: usdc.amount.toString(), amountReceivedBaseUnits: usdc.amount.toString() });
    expect(paid.transfers).toHaveLength(1);
    expect(paid.settlement).toMatchObject({ status: 'unsettled' });
  });

  it('carry the merchant\'s settlement mode: a merchant that settles nothing sees settlement "off" in payment.paid', async () => {
    const payment = await kit.createPayment('USDC', { amount: 2_000_000n });
    await watcher.app.get(SettlementPoliciesRepository).put(payment.merchantId, { mode: 'off', thresholds: {}, maxWaitSeconds: null, intervalSeconds: null });
    await kit.waitUntilWatched(watcher, payment);
    await kit.pay('USDC', payment.depositAddress, 2_000_000n);
    await kit.waitForCursor(await kit.mine(3), watcher);
    const paid = (await kit.events(payment.id)).find((event) => event.type === 'payment.paid')!.data as PaymentObject;
    expect(paid).toEqual(await watcher.app.get(PaymentObjectsService).build(await kit.payment(payment.id)));
    expect(paid.settlement).toMatchObject({ status: 'off' });
    await watcher.app.get(SettlementPoliciesRepository).put(payment.merchantId, { mode: 'immediate', thresholds: {}, maxWaitSeconds: null, intervalSeconds: null });
  });
});
