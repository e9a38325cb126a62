import { erc20Abi } from 'viem';

import type { PaymentObject } from '@kassa/domain';
import { PaymentObjectsService, SettlementPoliciesRepository } from '@kassa/persistence';

import { eth, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

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

  it('are what the database gives when a step holds all of a payment\'s transfers (several in one block, native ones tied on log index) and when it reads them back', async () => {
    const usdc = await kit.createPayment('USDC', { amount: 9_000_000n });
    const native = await kit.createPayment('ETH', { amount: eth('0.3') });
    await Promise.all([usdc, native].map((payment) => kit.waitUntilWatched(watcher, payment)));

    // Two customers pay each payment in parts, in one block: both ETH transfers have log index -1.
    await kit.rpc('evm_setAutomine', [false]);
    try {
      for (const customer of [1, 2]) {
        await kit.chain.wallet(customer).writeContract({ address: kit.chain.contracts.tokens.USDC, abi: erc20Abi, functionName: 'transfer', args: [usdc.depositAddress, 3_000_000n], gas: 100_000n });
        await kit.chain.wallet(customer).sendTransaction({ to: native.depositAddress, value: eth('0.1') });
      }
      await kit.rpc('evm_mine');
    } finally {
      await kit.rpc('evm_setAutomine', [true]);
    }
    await kit.waitForCursor(await kit.head(), watcher);
    const objects = watcher.app.get(PaymentObjectsService);
    for (const payment of [usdc, native]) {
      const pending = (await kit.events(payment.id)).find((event) => event.type === 'payment.pending')!.data as PaymentObject;
      expect(pending.transfers).toHaveLength(2);
      expect(pending).toEqual(await objects.build(await kit.payment(payment.id)));
    }

    // A later step adds to transfers stored before: those are read back. One block at a
    // time, each stored before the next is mined, so each payment.paid is compared with the
    // object read at the head it was built at (its confirmations count to that head).
    await kit.pay('USDC', usdc.depositAddress, 3_000_000n, 3);
    await kit.pay('ETH', native.depositAddress, eth('0.1'), 3);
    const compared = new Set<string>();
    for (let block = 0; compared.size < 2; block += 1) {
      expect(block).toBeLessThanOrEqual(kit.chain.config.confirmations);
      await kit.waitForCursor(await kit.head(), watcher);
      for (const payment of [usdc, native].filter(({ id }) => !compared.has(id))) {
        const paid = (await kit.events(payment.id)).find((event) => event.type === 'payment.paid')?.data as PaymentObject | undefined;
        if (!paid) continue;
        expect(paid.transfers).toHaveLength(3);
        expect(paid).toEqual(await objects.build(await kit.payment(payment.id)));
        compared.add(payment.id);
      }
      if (compared.size < 2) await kit.mine(1);
    }
  });

  it('carry the merchant\'s settlement mode: a merchant that settles nothing sees settlement "off" in payment.paid', async () => {
    const payment = await kit.createPayment('USDC', { amount: 2_000_000n });
    await watcher.app.get(SettlementPoliciesRepository).put(payment.merchantId, { mode: 'off', thresholds: {}, maxWaitSeconds: null, intervalSeconds: null });
    await kit.waitUntilWatched(watcher, payment);
    // Mined up to the block that confirms it, no further: the object read back counts
    // confirmations to the head payment.paid was built at.
    await kit.pay('USDC', payment.depositAddress, 2_000_000n);
    await kit.waitForCursor(await kit.mine(kit.chain.config.confirmations - 1), watcher);
    const paid = (await kit.events(payment.id)).find((event) => event.type === 'payment.paid')!.data as PaymentObject;
    expect(paid).toEqual(await watcher.app.get(PaymentObjectsService).build(await kit.payment(payment.id)));
    expect(paid.settlement).toMatchObject({ status: 'off' });
    await watcher.app.get(SettlementPoliciesRepository).put(payment.merchantId, { mode: 'immediate', thresholds: {}, maxWaitSeconds: null, intervalSeconds: null });
  });
});
