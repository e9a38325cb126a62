import { ChainCursorsRepository } from '@kassa/persistence';
import { getLogsWidth, useRpcProxy, waitFor } from '@kassa/testing';

import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

const TEN_MINUTES = 600_000;

/**
 * Following the head: by WebSocket `newHeads` where the chain has a `wsUrl`, by HTTP
 * polling otherwise and while the socket is down, never skipping a block; catching up a
 * backlog with `eth_getLogs` ranges that shrink when the node refuses them and grow back.
 */
describe('watcher: following the head', () => {
  const kit = useWatcherTestKit();
  const proxy = useRpcProxy(() => kit.chain.node.rpcUrl);

  /** The stored blocks from `from` to the cursor are every block of the node's chain, linked. */
  const expectEveryBlockStored = async (from: bigint, to: bigint): Promise<void> => {
    const stored = await new ChainCursorsRepository(kit.db.dataSource).getBlocks(kit.chain.config.chainId, from, to);
    expect(stored.map((block) => block.blockNumber)).toEqual(Array.from({ length: Number(to - from + 1n) }, (_, i) => from + BigInt(i)));
    stored.slice(1).forEach((block, i) => expect(block.parentHash).toBe(stored[i]!.blockHash));
    expect(stored.at(-1)!.blockHash).toBe((await kit.chain.publicClient.getBlock({ blockNumber: to })).hash);
  };
  const headSourceOf = (watcher: RunningWatcher): string | undefined => watcher.followers.status()[0]?.headSource;

  it('with a WebSocket URL it follows newHeads: blocks arrive although HTTP polling is ten minutes apart', async () => {
    const watcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, wsUrl: kit.chain.node.wsUrl, pollIntervalMs: TEN_MINUTES })) }),
      watcher: { headSafetyPollMs: TEN_MINUTES },
    });
    await waitFor(async () => headSourceOf(watcher), (mode) => mode === 'websocket', (mode) => `head source is ${mode}`);
    const payment = await kit.createPayment('USDC', { amount: 8_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const from = await kit.head();

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 8_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');
    // Several blocks at once: one notification may stand for many; none is skipped.
    const head = await kit.mine(7);
    await kit.waitForCursor(head, watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 8_000_000n });
    await expectEveryBlockStored(from, head);
    await watcher.stop();
  });

  it('at the head, asks for the announced block\'s logs by its hash (no range query after the head read) and stores its transfer', async () => {
    const watcher = await kit.startWatcher({
      config: (config) => ({
        ...config,
        chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [proxy.url], wsUrl: kit.chain.node.wsUrl, pollIntervalMs: TEN_MINUTES })),
      }),
      watcher: { headSafetyPollMs: TEN_MINUTES },
    });
    await waitFor(async () => headSourceOf(watcher), (mode) => mode === 'websocket', (mode) => `head source is ${mode}`);
    const payment = await kit.createPayment('USDC', { amount: 3_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    await kit.waitForCursor(await kit.head(), watcher);
    const since = proxy.observed.length;

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 3_000_000n);
    await kit.waitForCursor(blockNumber, watcher);

    const { hash } = await kit.chain.publicClient.getBlock({ blockNumber });
    const calls = proxy.observed.slice(since);
    // The queries that cover the block (a second look at older blocks, for an address learnt late, may follow).
    const covers = (query: { blockHash?: string; fromBlock?: string; toBlock?: string }): boolean =>
      query.blockHash !== undefined || (BigInt(query.fromBlock!) <= blockNumber && blockNumber <= BigInt(query.toBlock!));
    const logQueries = calls.filter((call) => call.method === 'eth_getLogs').map((call) => call.params[0] as Parameters<typeof covers>[0]).filter(covers);
    expect(logQueries).toEqual([expect.objectContaining({ blockHash: hash })]);
    // Asked after the head: a node answering in order knows the block by then.
    const headRead = calls.findIndex((call) => call.method === 'eth_getBlockByNumber' && call.params[0] === 'latest');
    expect(headRead).toBeGreaterThanOrEqual(0);
    expect(calls.findIndex((call) => call.method === 'eth_getLogs')).toBeGreaterThan(headRead);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');
    await watcher.stop();
  });

  it('when the socket drops it polls over HTTP without skipping a block, and returns to newHeads when the socket is back', async () => {
    const watcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, wsUrl: proxy.wsUrl, pollIntervalMs: 100 })) }),
    });
    await waitFor(async () => headSourceOf(watcher), (mode) => mode === 'websocket', (mode) => `head source is ${mode}`);
    const payment = await kit.createPayment('ETH', { amount: 3n * 10n ** 17n });
    await kit.waitUntilWatched(watcher, payment);
    const from = await kit.head();

    proxy.setWebSockets(false);
    await waitFor(async () => headSourceOf(watcher), (mode) => mode === 'polling', (mode) => `head source is ${mode}`);
    await kit.pay('ETH', payment.depositAddress, 10n ** 17n);
    await kit.pay('ETH', payment.depositAddress, 10n ** 17n, 2);
    await kit.waitForCursor(await kit.mine(3), watcher);
    expect(headSourceOf(watcher)).toBe('polling');
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 2n * 10n ** 17n });

    proxy.setWebSockets(true);
    await waitFor(async () => headSourceOf(watcher), (mode) => mode === 'websocket', (mode) => `head source is ${mode}`);
    await kit.pay('ETH', payment.depositAddress, 10n ** 17n, 3);
    const head = await kit.mine(2);
    await kit.waitForCursor(head, watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 3n * 10n ** 17n });
    expect(await kit.transfersOf(payment.id)).toHaveLength(3);
    await expectEveryBlockStored(from, head);
    await watcher.stop();
  });

  it('catches up a backlog with eth_getLogs ranges that shrink when the node refuses them and grow back after', async () => {
    const payments = await Promise.all([1, 2, 3, 4].map(() => kit.createPayment('USDT', { amount: 1_000_000n })));
    const watcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [proxy.url], wsUrl: undefined })) }),
    });
    await Promise.all(payments.map((payment) => kit.waitUntilWatched(watcher, payment)));
    /**
     * Builds a backlog while the node is out of the watcher's reach, then lets it catch up:
     * 250,000 to each payment, spread over 160 blocks, or in 8 consecutive blocks (two
     * transfers of 125,000 each) when `clustered`.
     */
    const catchUp = async (clustered = false): Promise<void> => {
      await proxy.setMode('down');
      for (const [i, payment] of payments.entries()) {
        if (clustered) {
          await kit.pay('USDT', payment.depositAddress, 125_000n, 1 + i);
          await kit.pay('USDT', payment.depositAddress, 125_000n, 1 + i);
        } else {
          await kit.pay('USDT', payment.depositAddress, 250_000n, 1 + i);
          await kit.mine(40);
        }
      }
      const head = await kit.mine(2);
      await proxy.setMode('pass');
      await kit.waitForCursor(head, watcher);
    };
    const accepted = (since: number): number[] =>
      proxy.observed.slice(since).flatMap((call) => {
        const width = call.outcome === 'forwarded' ? getLogsWidth(call) : null;
        return width === null ? [] : [width];
      });
    const refused = (since: number): number => proxy.observed.slice(since).filter((call) => call.outcome === 'refused').length;
    const span = (): number => watcher.followers.status()[0]!.logRangeBlocks;

    // A provider that serves at most 8 blocks per eth_getLogs.
    proxy.setInterceptor((call, result) => {
      const width = getLogsWidth({ method: call.method, params: call.params ?? [] });
      return result === undefined && width !== null && width > 8 ? { code: -32005, message: 'query exceeds max block range 8' } : undefined;
    });
    let since = proxy.observed.length;
    await catchUp();
    for (const payment of payments) expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 250_000n });
    expect(refused(since)).toBeGreaterThan(0);
    expect(Math.max(...accepted(since))).toBeLessThanOrEqual(8);
    expect(span()).toBeLessThan(16);

    // The limit is lifted: the same watcher reads the next backlog in wider ranges again.
    proxy.setInterceptor(null);
    since = proxy.observed.length;
    await catchUp();
    for (const payment of payments) expect(await kit.payment(payment.id)).toMatchObject({ amountReceived: 500_000n });
    expect(Math.max(...accepted(since))).toBeGreaterThan(8);
    expect(span()).toBeGreaterThan(16);

    // A provider that caps the number of results (2 logs per answer) rather than the range.
    proxy.setInterceptor((_call, result) =>
      Array.isArray(result) && result.length > 2 ? { code: -32005, message: 'query returned more than 2 results' } : undefined,
    );
    since = proxy.observed.length;
    await catchUp(true);
    for (const payment of payments) expect(await kit.payment(payment.id)).toMatchObject({ amountReceived: 750_000n });
    expect(refused(since)).toBeGreaterThan(0);
    expect(watcher.followers.status()[0]!.state).toBe('following');
    proxy.setInterceptor(null);
    await watcher.stop();
  });
});
