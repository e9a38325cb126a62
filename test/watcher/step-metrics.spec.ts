import { DataSource } from 'typeorm';
import { erc20Abi } from 'viem';

import { KassaMetrics } from '@kassa/observability';
import { eventually } from '@kassa/testing';
import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * The watcher's step metrics (docs/operations.md "Metrics") come from the times its steps
 * wrote, not from reading them back: they must equal what the stored rows give, for a
 * payment paid in the step that recorded its transfer (nothing read) and for one paid on a
 * later step's confirmations (its first transfer's time read back, by id).
 */
describe('watcher: step metrics', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  it('equal what the stored transfers and payments give, reading back only the first transfer of a payment an earlier step recorded', async () => {
    const metrics = watcher.app.get(KassaMetrics);
    const reads = jest.spyOn(watcher.app.get(DataSource), 'query');
    const atOnce = await kit.createPayment('USDC', { amount: 5_000_000n });
    const later = await kit.createPayment('USDC', { amount: 7_000_000n });
    await Promise.all([atOnce, later].map((payment) => kit.waitUntilWatched(watcher, payment)));

    // Paid later: its transfer is recorded in one step, its confirmations come in others.
    await kit.pay('USDC', later.depositAddress, later.amount);
    await kit.waitForCursor(await kit.head(), watcher);
    expect((await kit.payment(later.id)).status).toBe('PENDING');

    // Paid at once: its transfer's block and every confirmation are mined in one call, so
    // the step that records the transfer also makes the payment PAID.
    await kit.rpc('evm_setAutomine', [false]);
    try {
      await kit.chain.wallet(1).writeContract({ address: kit.chain.contracts.tokens.USDC, abi: erc20Abi, functionName: 'transfer', args: [atOnce.depositAddress, atOnce.amount], gas: 100_000n });
      await kit.rpc('hardhat_mine', [`0x${kit.chain.config.confirmations.toString(16)}`]);
    } finally {
      await kit.rpc('evm_setAutomine', [true]);
    }
    await kit.waitForCursor(await kit.head(), watcher);
    expect((await kit.payment(atOnce.id)).status).toBe('PAID');
    expect((await kit.payment(later.id)).status).toBe('PAID');

    const byChain = { chain_id: String(kit.chain.config.chainId) };
    const observed = async (histogram: 'timeToPaid' | 'transferRecordDelay') => {
      const { values } = await metrics[histogram].get();
      const of = (suffix: string) => values.find((value) => value.metricName?.endsWith(suffix) && value.labels.chain_id === byChain.chain_id)?.value ?? 0;
      return { count: of('_count'), sum: of('_sum') };
    };
    const paid = await eventually(async () => ((await observed('timeToPaid')).count === 2 ? observed('timeToPaid') : undefined), { what: 'two times to PAID observed' });
    const delays = await observed('transferRecordDelay');

    const [expected] = (await kit.db.dataSource.query(
      `SELECT (SELECT sum(extract(epoch FROM p.paid_at - (SELECT min(t.created_at) FROM transfers t WHERE t.payment_id = p.id)))::float8
                 FROM payments p WHERE p.id = ANY ($1)) AS to_paid,
              (SELECT sum(greatest(0, extract(epoch FROM created_at - block_timestamp)))::float8 FROM transfers WHERE payment_id = ANY ($1)) AS delays`,
      [[atOnce.id, later.id]],
    )) as { to_paid: number; delays: number }[];
    // PostgreSQL keeps microseconds, JavaScript dates milliseconds: at most 1 ms apart per value.
    expect(Math.abs(paid.sum - expected!.to_paid)).toBeLessThanOrEqual(0.002);
    expect(delays.count).toBe(2);
    expect(Math.abs(delays.sum - expected!.delays)).toBeLessThanOrEqual(0.002);

    const readBack = reads.mock.calls.filter(([sql]) => typeof sql === 'string' && sql.includes('min(t.created_at)')).map(([, params]) => params);
    expect(readBack).toEqual([[[later.id]]]);
  });
});
