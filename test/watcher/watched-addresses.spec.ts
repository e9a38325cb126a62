import { ConsoleLogger } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import type { KassaConfig } from '@kassa/config';
import { BALANCE_CREDIT_LOG_INDEX } from '@kassa/domain';
import { KassaMetrics } from '@kassa/observability';
import { WatchedAddressesService } from '@kassa/watcher';
import { ExpirePaymentsJob, WorkerModule } from '@kassa/worker';
import { useRpcProxy, waitFor } from '@kassa/testing';

import { eth, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Which deposit addresses the watcher looks for: open payments and final ones inside the
 * late-transfer window, learnt by LISTEN/NOTIFY with a periodic full reload as safety net.
 */
describe('watcher: watched deposit addresses', () => {
  const kit = useWatcherTestKit();
  const proxy = useRpcProxy(() => kit.chain.node.rpcUrl);
  let watcher: RunningWatcher;
  const watched = (address: string): boolean =>
    watcher.app.get(WatchedAddressesService).forChain(kit.chain.config.chainId).has(address.toLowerCase());

  afterEach(async () => {
    await watcher?.stop();
  });

  it('watches open payments and final ones inside the late-transfer window, not older final ones', async () => {
    const open = await kit.storePayment('USDC', { amount: 1n });
    const recent = await kit.storePayment('USDC', {
      amount: 1n,
      overrides: { status: 'TIMEOUT', finalizedAt: new Date(Date.now() - DAY_MS) },
    });
    const old = await kit.storePayment('USDC', {
      amount: 1n,
      overrides: { status: 'PAID', amountReceived: 1n, paidAt: new Date(Date.now() - 8 * DAY_MS), finalizedAt: new Date(Date.now() - 8 * DAY_MS) },
    });

    watcher = await kit.startWatcher();
    await kit.waitUntilWatched(watcher, open);

    expect(watched(recent.depositAddress)).toBe(true);
    expect(watched(old.depositAddress)).toBe(false);
  });

  it('a payment whose notification never came is watched after the next full reload', async () => {
    watcher = await kit.startWatcher({ watcher: { watchedRefreshMs: 300 } });
    await kit.waitForCursor(await kit.head(), watcher);

    const silent = await kit.storePayment('USDT', { amount: 2_000_000n });
    await kit.waitUntilWatched(watcher, silent);

    const { blockNumber } = await kit.pay('USDT', silent.depositAddress, 2_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect((await kit.payment(silent.id)).status).toBe('PENDING');
  });

  // docs/watcher.md "Watched addresses": the blocks read before an address was learnt are read again for it.
  it('a payment paid in a block stored before its address was watched is found once it is watched', async () => {
    watcher = await kit.startWatcher({ watcher: { watchedRefreshMs: 3_600_000 } });
    await kit.waitForCursor(await kit.head(), watcher);
    // A payment whose notification is late: its address is learnt only after its transfer's block is stored.
    const late = await kit.storePayment('USDT', { amount: 2_000_000n });
    const { hash, blockNumber } = await kit.pay('USDT', late.depositAddress, 2_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect(watched(late.depositAddress)).toBe(false);
    expect((await kit.payment(late.id)).status).toBe('CREATED');

    await watcher.app.get(WatchedAddressesService).refresh();
    expect(watched(late.depositAddress)).toBe(true);
    await kit.mine(1);

    // Looked for once the step after the list learnt it is stored.
    await waitFor(async () => (await kit.payment(late.id)).status, (status) => status === 'PENDING', (status) => `the payment stayed ${status}`, 5_000);
    expect(await kit.transfersOf(late.id)).toEqual([expect.objectContaining({ txHash: hash, blockNumber, amount: 2_000_000n, status: 'active' })]);
    expect(await kit.eventTypes(late.id)).toEqual(['payment.created', 'payment.pending']);
  });

  it('a native-coin payment whose address is learnt late is found in the blocks read before', async () => {
    watcher = await kit.startWatcher({ watcher: { watchedRefreshMs: 3_600_000 } });
    await kit.waitForCursor(await kit.head(), watcher);
    const late = await kit.storePayment('ETH', { amount: 10n ** 16n });
    const { hash, blockNumber } = await kit.pay('ETH', late.depositAddress, 10n ** 16n);
    // Blocks with nothing watched in the native coin are read without their transactions.
    await kit.waitForCursor(await kit.mine(kit.chain.config.confirmations), watcher);

    await watcher.app.get(WatchedAddressesService).refresh();
    await kit.mine(1);

    // Its transfer is found with its confirmations already counted.
    await waitFor(async () => (await kit.payment(late.id)).status, (status) => status === 'PAID', (status) => `the payment stayed ${status}`, 5_000);
    expect(await kit.payment(late.id)).toMatchObject({ amountReceived: 10n ** 16n });
    // Operators see it as any payment made PAID: its time to PAID is observed.
    const timeToPaid = watcher.app.get(KassaMetrics).timeToPaid;
    const observed = async (): Promise<number> => (await timeToPaid.get()).values.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
    await waitFor(observed, (count) => count >= 1, (count) => `time to PAID observed ${count} times`, 5_000);
    expect(await kit.transfersOf(late.id)).toEqual([expect.objectContaining({ txHash: hash, blockNumber, tokenAddress: null, amount: 10n ** 16n })]);
  });

  it('an address learnt before any block could pay it costs no second look', async () => {
    const tolerance = 200;
    watcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [proxy.url], wsUrl: undefined, pollIntervalMs: 50 })) }),
      watcher: { clockToleranceMs: tolerance },
    });
    await kit.waitForCursor(await kit.head(), watcher);
    // Every block stored so far was read more than the tolerance before the payment existed.
    await new Promise((resolve) => setTimeout(resolve, tolerance * 2));
    const payment = await kit.createPayment('USDC', { amount: 1_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const since = proxy.observed.length;

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 1_000_000n);
    await kit.waitForCursor(await kit.mine(1), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');

    // Only the new blocks' logs were asked for: no range below the paying block.
    const logRanges = proxy.observed
      .slice(since)
      .filter((call) => call.method === 'eth_getLogs')
      .map((call) => call.params[0] as { fromBlock?: string; blockHash?: string });
    expect(logRanges.length).toBeGreaterThan(0);
    for (const query of logRanges) if (query.fromBlock !== undefined) expect(BigInt(query.fromBlock)).toBeGreaterThanOrEqual(blockNumber);
  });

  it('a transfer found after a balance credit counted its value is not counted again', async () => {
    watcher = await kit.startWatcher({ watcher: { watchedRefreshMs: 3_600_000 } });
    await kit.waitForCursor(await kit.head(), watcher);
    const jobsOff = Object.fromEntries(Object.entries(kit.config.jobs).map(([name, job]) => [name, { ...job, enabled: false }]));
    const worker = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ ...kit.config, jobs: jobsOff } as KassaConfig)] }).compile();
    worker.useLogger(new ConsoleLogger({ logLevels: ['fatal', 'error'] }));
    await worker.init();
    try {
      // Paid in a block read before its address was learnt; at its deadline the scheduler's
      // balance check finds the coin no recorded transfer explains and credits it.
      const late = await kit.storePayment('ETH', { amount: eth('1') });
      const { blockNumber } = await kit.pay('ETH', late.depositAddress, eth('1'));
      const paidAt = new Date(Number((await kit.chain.publicClient.getBlock({ blockNumber })).timestamp) * 1000);
      const deadline = new Date(paidAt.getTime() + 10_000);
      await kit.db.dataSource.query('UPDATE payments SET expires_at = $2 WHERE id = $1', [late.id, deadline]);
      await kit.rpc('evm_setNextBlockTimestamp', [Math.floor(deadline.getTime() / 1000) + 30]);
      await kit.waitForCursor(await kit.mine(kit.chain.config.confirmations), watcher);
      const run = await worker.get(ExpirePaymentsJob).runOnce(new Date(deadline.getTime() + 60_000));
      expect(run.credited).toEqual([late.id]);
      expect(await kit.payment(late.id)).toMatchObject({ status: 'PAID', amountReceived: eth('1') });

      // Now the address is learnt and its blocks read again: the transfer is the credited value.
      await watcher.app.get(WatchedAddressesService).refresh();
      await kit.waitForCursor(await kit.mine(1), watcher);
      await kit.waitForCursor(await kit.mine(1), watcher);

      expect(await kit.payment(late.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: eth('1') });
      expect((await kit.transfersOf(late.id)).map((transfer) => transfer.logIndex)).toEqual([BALANCE_CREDIT_LOG_INDEX]);
      expect(await kit.eventTypes(late.id)).toEqual(['payment.created', 'payment.paid']);
    } finally {
      await worker.close();
    }
  });

  it('a watcher that takes the chain over reads the blocks stored before it with its own list', async () => {
    const first = await kit.startWatcher({ watcher: { watchedRefreshMs: 3_600_000 } });
    await kit.waitForCursor(await kit.head(), first);
    const late = await kit.storePayment('USDC', { amount: 5_000_000n });
    const { hash, blockNumber } = await kit.pay('USDC', late.depositAddress, 5_000_000n);
    await kit.waitForCursor(blockNumber, first);
    await first.stop();
    expect((await kit.payment(late.id)).status).toBe('CREATED');

    // Its first load has the address; the block that paid it is already stored.
    watcher = await kit.startWatcher();
    await waitFor(async () => (await kit.payment(late.id)).status, (status) => status === 'PENDING', (status) => `the payment stayed ${status}`, 5_000);
    expect(await kit.transfersOf(late.id)).toEqual([expect.objectContaining({ txHash: hash, blockNumber, amount: 5_000_000n })]);
  });

  it('after losing its LISTEN connection it reconnects, reloads, and sees payments created meanwhile', async () => {
    watcher = await kit.startWatcher();
    await kit.waitForCursor(await kit.head(), watcher);
    const service = watcher.app.get(WatchedAddressesService);

    const killed = await kit.db.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kassa-watcher-listen' AND datname = current_database()`,
    );
    expect(killed).toHaveLength(1);
    await waitFor(async () => service.isLive(), (live) => !live, () => 'the list stayed live after its connection was killed', 5_000);
    const created = await kit.createPayment('USDC', { amount: 3_000_000n });

    await kit.waitUntilWatched(watcher, created);
    expect(service.isLive()).toBe(true);
    const { blockNumber } = await kit.pay('USDC', created.depositAddress, 3_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect((await kit.payment(created.id)).status).toBe('PENDING');
  });
});
