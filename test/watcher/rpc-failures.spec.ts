import type { KassaConfig } from '@kassa/config';
import { ChainStatusRepository, type StoredChainStatus } from '@kassa/persistence';
import { type RpcProxy, startRpcProxy, waitFor } from '@kassa/testing';

import { CapturingLogger, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * RPC failures: a node that goes away and comes back, one that answers errors, one that
 * hangs. The watcher retries with back-off, moves to the chain's next RPC URL, reports the
 * chain as degraded (status row read by `/health/ready`, and a warning in the log) while
 * it cannot read it, and resumes from its cursor without losing a transfer.
 */
describe('watcher: RPC failures', () => {
  const kit = useWatcherTestKit();
  let first: RpcProxy;
  let second: RpcProxy;

  beforeAll(async () => {
    [first, second] = await Promise.all([startRpcProxy(kit.chain.node.rpcUrl), startRpcProxy(kit.chain.node.rpcUrl)]);
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  let watcher: RunningWatcher | undefined;
  afterEach(async () => {
    await watcher?.stop();
    first.setInterceptor(null);
    await Promise.all([first.setMode('pass'), second.setMode('pass')]);
  });

  /** Reads go through the given proxies, in order; heads are polled (no WebSocket). */
  const through = (urls: string[]) => (config: KassaConfig): KassaConfig => ({
    ...config,
    chains: config.chains.map((chain) => ({ ...chain, rpcUrls: urls, wsUrl: undefined, rpcTimeoutMs: 300 })),
  });
  const statusRow = async (): Promise<StoredChainStatus | undefined> =>
    (await new ChainStatusRepository(kit.db.dataSource).list([kit.chain.config.chainId]))[0];

  it('a node that goes away and comes back: the chain is degraded meanwhile, then resumes with every transfer', async () => {
    const logger = new CapturingLogger();
    watcher = await kit.startWatcher({ config: through([first.url]), logger });
    const payment = await kit.createPayment('USDC', { amount: 9_000_000n });
    await kit.waitUntilWatched(watcher, payment);

    await first.setMode('down');
    await kit.pay('USDC', payment.depositAddress, 4_000_000n);
    const down = await waitFor(statusRow, (row) => row?.state === 'degraded', (row) => `status row: ${JSON.stringify(row?.state)}`);
    expect(down).toMatchObject({ consecutiveFailures: expect.any(Number), lastError: expect.stringContaining('failed') });
    expect(logger.matching('warn', /Chain \d+ step failed \(attempt \d+\)/).length).toBeGreaterThan(0);

    // Back, but answering JSON-RPC errors: still degraded, with the node's error.
    first.setInterceptor((call) => (call.method === 'eth_getBlockByNumber' ? { code: -32603, message: 'header not found' } : undefined));
    await first.setMode('pass');
    await kit.pay('USDC', payment.depositAddress, 5_000_000n, 2);
    await waitFor(statusRow, (row) => row?.lastError?.includes('header not found') === true, (row) => `last error: ${row?.lastError}`);
    expect((await statusRow())?.state).toBe('degraded');

    first.setInterceptor(null);
    const head = await kit.mine(2);
    await kit.waitForCursor(head, watcher);
    await waitFor(statusRow, (row) => row?.state === 'following' && row.cursorBlock === head, (row) => `status row: ${row?.state} at ${row?.cursorBlock}`);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 9_000_000n });
    // Both transfers were confirmed by the time the watcher could read them: straight to PAID, once.
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.paid']);
    expect(logger.matching('log', /recovered after \d+ failed attempts/).length).toBeGreaterThan(0);
    await watcher.stop();
    expect((await statusRow())?.state).toBe('stopped');
  });

  it('reads move to the next RPC URL when one times out or answers HTTP errors, and the chain keeps following', async () => {
    const logger = new CapturingLogger();
    watcher = await kit.startWatcher({ config: through([first.url, second.url]), logger });
    const payment = await kit.createPayment('ETH', { amount: 2n * 10n ** 17n });
    await kit.waitUntilWatched(watcher, payment);

    await first.setMode('hang');
    const one = await kit.pay('ETH', payment.depositAddress, 10n ** 17n);
    await kit.waitForCursor(one.blockNumber, watcher);
    expect(watcher.followers.status()[0]).toMatchObject({ rpcUrlIndex: 1, state: 'following' });
    expect(logger.matching('warn', /RPC URL #0 failed \(request timed out\); reading from RPC URL #1/)).not.toEqual([]);

    await first.setMode('pass');
    await second.setMode('http-error');
    const two = await kit.pay('ETH', payment.depositAddress, 10n ** 17n, 2);
    await kit.waitForCursor(two.blockNumber, watcher);
    expect(watcher.followers.status()[0]).toMatchObject({ rpcUrlIndex: 0, state: 'following' });
    expect(logger.matching('warn', /RPC URL #1 failed \(HTTP 503\); reading from RPC URL #0/)).not.toEqual([]);
    await waitFor(statusRow, (row) => row?.rpcUrlIndex === 0 && row.rpcRotations >= 2, (row) => `status row: ${JSON.stringify(row)}`);

    await second.setMode('pass');
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 2n * 10n ** 17n });
    expect(await kit.transfersOf(payment.id)).toHaveLength(2);
    await watcher.stop();
  });
});
