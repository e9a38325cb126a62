import { parseEther } from 'viem';

import { ChainRegistry, RateSource } from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import { getLogsWidth, type RpcProxy, startRpcProxy } from '@kassa/testing';
import { DepositBalances } from '@kassa/worker';

import { eth, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * The watcher, the scheduler's balance reads and the rate reads through an RPC URL that
 * behaves like a big provider's (the test proxy's imitation): 50-300 ms of latency with
 * jitter, a rate limit answered with HTTP 429 and `Retry-After`, batches of at most 10 calls,
 * `eth_getLogs` capped at 4 blocks in Alchemy's words, and a burst of 5xx. Every payment ends
 * PAID with exactly what was sent; nothing is lost, nothing counted twice.
 */
describe('watcher: a provider\'s latency, rate limit, batch cap and getLogs limit', () => {
  const kit = useWatcherTestKit();
  let proxy: RpcProxy;
  let watcher: RunningWatcher;
  const throughProxy = (chain: ChainConfig): ChainConfig => ({ ...chain, rpcUrls: [proxy.url], wsUrl: undefined, rpcTimeoutMs: 5_000 });

  beforeAll(async () => {
    proxy = await startRpcProxy(kit.chain.node.rpcUrl);
    proxy.setProvider({ latencyMs: [50, 300], rateLimit: { perSecond: 25, retryAfterSeconds: 1 }, maxBatch: 10, getLogs: { maxRange: 4, style: 'alchemy' } });
    watcher = await kit.startWatcher({ config: (config) => ({ ...config, chains: config.chains.map(throughProxy) }) });
  });
  afterAll(async () => {
    await watcher?.stop();
    await proxy?.close();
  });

  it('records every transfer of a backlog and pays every payment exactly', async () => {
    const payments = await Promise.all([
      kit.createPayment('USDC', { amount: 5_000_000n }),
      kit.createPayment('USDT', { amount: 7_000_000n }),
      kit.createPayment('ETH', { amount: eth('0.05') }),
    ]);
    await Promise.all(payments.map((payment) => kit.waitUntilWatched(watcher, payment)));
    await kit.pay('USDC', payments[0]!.depositAddress, 5_000_000n);
    await kit.mine(6);
    await kit.pay('USDT', payments[1]!.depositAddress, 7_000_000n);
    proxy.failNext(3, 502);
    await kit.pay('ETH', payments[2]!.depositAddress, eth('0.05'));

    await kit.waitForCursor(await kit.mine(12), watcher);

    for (const [payment, amount] of [[payments[0]!, 5_000_000n], [payments[1]!, 7_000_000n], [payments[2]!, eth('0.05')]] as const) {
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: amount });
      expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ amount, status: 'active' })]);
      expect((await kit.eventTypes(payment.id)).filter((type) => type === 'payment.paid')).toHaveLength(1);
    }
    // The provider refused wide getLogs in its own words; after the first refusal every range fits its limit.
    expect(proxy.refusals.getLogs).toBeGreaterThan(0);
    const widths = proxy.observed.filter((call) => call.outcome === 'forwarded').map(getLogsWidth).filter((width): width is number => width !== null);
    expect(widths.length).toBeGreaterThan(0);
    expect(Math.max(...widths)).toBeLessThanOrEqual(4);
    expect(proxy.refusals.failed).toBe(3);
  });

  it('reads deposit balances and the native coin\'s rate through a provider that caps batches and rate-limits', async () => {
    // A URL of its own (the watcher above uses up the first one's rate): a worker's own API key.
    const workerUrl = await startRpcProxy(kit.chain.node.rpcUrl);
    workerUrl.setProvider({ latencyMs: [50, 300], rateLimit: { perSecond: 25, retryAfterSeconds: 1 }, maxBatch: 10 });
    const config = { ...kit.chain.config, rpcUrls: [workerUrl.url], wsUrl: undefined };
    const registry = new ChainRegistry([config]);
    const payment = await kit.createPayment('ETH', { amount: eth('0.02') });
    await kit.pay('ETH', payment.depositAddress, eth('0.02'));
    // The 30 reads usually exceed 25 a second on their own, but the limit's one-second window
    // is counted in this process, beside the test: under load the calls can reach it spread
    // over two windows and none is refused. Two refusals are certain whatever the pace.
    workerUrl.limitNext(2);

    const balances = await new DepositBalances(registry).read(
      Array.from({ length: 30 }, (_, i) => ({ key: String(i), chainId: config.chainId, token: { address: null }, depositAddress: payment.depositAddress })),
    );
    const rate = await new RateSource(registry).rate(config.chainId, 'ETH', 'USD');

    expect([...balances.values()]).toEqual(Array.from({ length: 30 }, () => parseEther('0.02')));
    expect(rate).toMatchObject({ available: true, rate: { value: '2500', source: 'price_feed' } });
    expect(workerUrl.refusals.batches).toBeGreaterThan(0);
    expect(workerUrl.refusals.rateLimited).toBeGreaterThan(0);
    await workerUrl.close();
  });
});
