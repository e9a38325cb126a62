import { numberToHex } from 'viem';

import { useRpcProxy, waitFor } from '@kassa/testing';

import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * Two ways a provider's nodes misbehave without failing a request: a load-balanced node
 * whose head goes backwards (it answers an older `latest` block), and a WebSocket
 * subscription that goes silent without a close frame.
 */
describe('watcher: a head that goes backwards, a WebSocket that goes silent', () => {
  const kit = useWatcherTestKit();
  const proxy = useRpcProxy(() => kit.chain.node.rpcUrl);

  it('a node behind the verified chain: no confirmation counts until it catches up, then the payment is PAID', async () => {
    const watcher: RunningWatcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [proxy.url], wsUrl: undefined, pollIntervalMs: 100 })) }),
    });
    const payment = await kit.createPayment('USDC', { amount: 3_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 3_000_000n);
    await kit.waitForCursor(blockNumber, watcher);

    // The load balancer now reaches a node two blocks behind: its `latest` is an older block.
    const stale = await kit.chain.publicClient.request({ method: 'eth_getBlockByNumber', params: [numberToHex(blockNumber - 2n), false] });
    proxy.setResponder((call) => (call.method === 'eth_getBlockByNumber' && (call.params?.[0] === 'latest') ? stale : call.method === 'eth_blockNumber' ? numberToHex(blockNumber - 2n) : undefined));
    await kit.mine(5);
    const [status] = await waitFor(
      async () => watcher.followers.status(),
      (statuses) => (statuses[0]?.lastError ?? '').includes('behind the verified chain'),
      (statuses) => `follower status: ${JSON.stringify(statuses?.map((s) => [s.state, s.lastError]))}`,
    );
    expect(status!.state).toBe('degraded');
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 0n });

    proxy.setResponder(null);
    await kit.waitForCursor(await kit.head(), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 3_000_000n });
    await watcher.stop();
  });

  it('a subscription that goes silent without a close frame: found by the keep-alive probe, the watcher polls and misses no block', async () => {
    const watcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [kit.chain.node.rpcUrl], wsUrl: proxy.wsUrl, pollIntervalMs: 100 })) }),
      watcher: { wsKeepAliveMs: 1_000 },
    });
    await waitFor(async () => watcher.followers.status()[0]?.headSource, (mode) => mode === 'websocket', (mode) => `head source is ${mode}`);
    const payment = await kit.createPayment('USDT', { amount: 4_000_000n });
    await kit.waitUntilWatched(watcher, payment);

    proxy.setWebSocketsSilent(true);
    await waitFor(async () => watcher.followers.status()[0]?.headSource, (mode) => mode === 'polling', (mode) => `head source is ${mode}`, 15_000);
    const { blockNumber } = await kit.pay('USDT', payment.depositAddress, 4_000_000n);
    await kit.waitForCursor(await kit.mine(3), watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 4_000_000n });
    expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ blockNumber, status: 'active' })]);
    proxy.setWebSocketsSilent(false);
    await watcher.stop();
  });
});
