import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Transfers after the final state: within the watch window (7 days) they are recorded and
 * announced (`payment.late_transfer`, exception PAID_LATE) while the status stays final;
 * after it the address is no longer watched.
 */
describe('watcher: late transfers', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  it('a transfer to a payment that timed out a day ago: recorded, PAID_LATE, payment.late_transfer, still TIMEOUT', async () => {
    const payment = await kit.storePayment('USDC', {
      amount: 5_000_000n,
      notify: true,
      expiresAt: new Date(Date.now() - DAY_MS - 60_000),
      overrides: { status: 'TIMEOUT', finalizedAt: new Date(Date.now() - DAY_MS) },
    });
    await kit.waitUntilWatched(watcher, payment);

    const { hash, blockNumber } = await kit.pay('USDC', payment.depositAddress, 5_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'TIMEOUT', exception: 'PAID_LATE' });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.late_transfer']);
    expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ txHash: hash, amount: 5_000_000n, status: 'active' })]);

    // Confirmations come; the payment stays final, nothing is announced twice.
    await kit.waitForCursor(await kit.mine(3), watcher);
    const late = await kit.payment(payment.id);
    expect(late).toMatchObject({ status: 'TIMEOUT', exception: 'PAID_LATE', amountReceived: 5_000_000n, paidAt: null });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.late_transfer']);
    const [, event] = await kit.events(payment.id);
    expect(event!.data).toMatchObject({ id: payment.id, status: 'TIMEOUT', exception: 'PAID_LATE' });
  });

  it('an underpaid TIMEOUT topped up late: UNDERPAID becomes PAID_LATE, the status stays TIMEOUT', async () => {
    const payment = await kit.createPayment('ETH', { amount: 10n ** 18n });
    await kit.waitUntilWatched(watcher, payment);
    await kit.pay('ETH', payment.depositAddress, 4n * 10n ** 17n);
    await kit.waitForCursor(await kit.mine(2), watcher);
    // The scheduler timed it out (as the worker does: guarded on its status).
    await kit.db.dataSource.query(
      `UPDATE payments SET status = 'TIMEOUT', exception = 'UNDERPAID', finalized_at = now() WHERE id = $1 AND status = 'PENDING'`,
      [payment.id],
    );

    const { blockNumber } = await kit.pay('ETH', payment.depositAddress, 6n * 10n ** 17n, 2);
    await kit.waitForCursor(blockNumber, watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'TIMEOUT', exception: 'PAID_LATE' });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.late_transfer']);
    expect((await kit.transfersOf(payment.id)).map((transfer) => transfer.amount)).toEqual([4n * 10n ** 17n, 6n * 10n ** 17n]);
  });

  it('a transfer to a payment that timed out longer ago than the watch window is not recorded', async () => {
    const old = await kit.storePayment('USDC', {
      amount: 1_000_000n,
      overrides: { status: 'TIMEOUT', finalizedAt: new Date(Date.now() - 8 * DAY_MS) },
    });
    const fresh = await kit.createPayment('USDC', { amount: 1_000_000n });
    await kit.waitUntilWatched(watcher, fresh);

    await kit.pay('USDC', old.depositAddress, 1_000_000n);
    await kit.waitForCursor(await kit.mine(1), watcher);

    expect(await kit.transfersOf(old.id)).toEqual([]);
    expect(await kit.payment(old.id)).toMatchObject({ status: 'TIMEOUT', exception: null });
    expect(await kit.eventTypes(old.id)).toEqual(['payment.created']);
  });
});
