import { erc20Abi } from 'viem';

import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * How amounts add up: several transfers (even in one block) add up; a merchant's
 * underpayment tolerance lets slightly less pay; more than the amount is PAID with
 * exception OVERPAID.
 */
describe('watcher: amounts', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  it('three customers paying parts in the same block add up to PAID, announced once', async () => {
    const payment = await kit.createPayment('USDC', { amount: 9_000_000n });
    await kit.waitUntilWatched(watcher, payment);

    await kit.rpc('evm_setAutomine', [false]);
    try {
      for (const customer of [1, 2, 3]) {
        await kit.chain.wallet(customer).writeContract({
          address: kit.chain.contracts.tokens.USDC,
          abi: erc20Abi,
          functionName: 'transfer',
          args: [payment.depositAddress, 3_000_000n],
          gas: 100_000n,
        });
      }
      await kit.rpc('evm_mine');
    } finally {
      await kit.rpc('evm_setAutomine', [true]);
    }
    const block = await kit.head();
    // Stored before it is confirmed, the payment is PENDING first (read together with its
    // confirmations, it would go straight to PAID).
    await kit.waitForCursor(block, watcher);
    await kit.waitForCursor(await kit.mine(2), watcher);

    const transfers = await kit.transfersOf(payment.id);
    expect(transfers.map((transfer) => [transfer.blockNumber, transfer.amount])).toEqual([
      [block, 3_000_000n],
      [block, 3_000_000n],
      [block, 3_000_000n],
    ]);
    expect(new Set(transfers.map((transfer) => transfer.logIndex)).size).toBe(3);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 9_000_000n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });

  it('with a 1.5 % tolerance, 98.5 % of the amount pays: PAID, no exception, the amount received as sent', async () => {
    const payment = await kit.createPayment('USDT', { amount: 20_000_000n, tolerancePercent: '1.5' });
    expect(payment.amountMinimum).toBe(19_700_000n);
    await kit.waitUntilWatched(watcher, payment);

    await kit.pay('USDT', payment.depositAddress, 19_699_999n);
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 19_699_999n });

    await kit.pay('USDT', payment.depositAddress, 1n, 2);
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 19_700_000n });
  });

  it('more than the amount in a token: PAID with exception OVERPAID and the whole amount received', async () => {
    const payment = await kit.createPayment('USDC', { amount: 4_000_000n });
    await kit.waitUntilWatched(watcher, payment);

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 4_000_001n);
    await kit.waitForCursor(blockNumber, watcher);
    await kit.waitForCursor(await kit.mine(2), watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'OVERPAID', amountReceived: 4_000_001n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });
});
