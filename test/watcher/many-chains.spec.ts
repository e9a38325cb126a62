import { getAddress } from 'viem';

import { ChainStatusRepository } from '@kassa/persistence';
import { type RpcProxy, startRpcProxy, waitFor } from '@kassa/testing';

import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * Two chains watched at once (two Hardhat nodes with different chain ids), each with its
 * own confirmations and tokens; the deposit factory is at its one address on both
 * (deterministic deployment). Each payment is counted on its own chain only, and one chain's
 * failure never stops the other.
 */
describe('watcher: many chains', () => {
  const kit = useWatcherTestKit({
    chains: [
      { chainId: 31337, confirmations: 2, name: 'Local A' },
      // Test tokens deployed after two other transactions: other token addresses.
      { chainId: 1337, confirmations: 4, name: 'Local B', deployerNonceOffset: 2 },
    ],
  });
  let proxy: RpcProxy;
  let watcher: RunningWatcher;

  beforeAll(async () => {
    proxy = await startRpcProxy(kit.chains[1]!.node.rpcUrl);
    // Chain B is read through a proxy, so a test can take it away.
    watcher = await kit.startWatcher({
      config: (config) => ({
        ...config,
        chains: config.chains.map((chain) => (chain.chainId === 1337 ? { ...chain, rpcUrls: [proxy.url], wsUrl: undefined } : chain)),
      }),
    });
  });

  afterAll(async () => {
    await watcher?.stop();
    await proxy?.close();
  });

  it('follows both chains, each payment with its own chain\'s confirmations and tokens', async () => {
    const [a, b] = kit.chains as [(typeof kit.chains)[0], (typeof kit.chains)[0]];
    expect(a.contracts.factory).toBe(b.contracts.factory);
    expect(a.contracts.tokens.USDC).not.toBe(b.contracts.tokens.USDC);
    const onA = await kit.createPayment('USDC', { amount: 5_000_000n, chain: a });
    const onB = await kit.createPayment('USDC', { amount: 5_000_000n, chain: b });
    expect(onB).toMatchObject({ chainId: 1337, requiredConfirmations: 4, factoryAddress: b.contracts.factory });
    await Promise.all([kit.waitUntilWatched(watcher, onA), kit.waitUntilWatched(watcher, onB)]);

    const paidOnA = await kit.pay('USDC', onA.depositAddress, 5_000_000n, 1, a);
    const paidOnB = await kit.pay('USDC', onB.depositAddress, 5_000_000n, 1, b);
    // Two confirmations on each chain: enough on A, not on B.
    await kit.waitForCursor(await kit.mine(1, a), watcher, a);
    await kit.waitForCursor(await kit.mine(1, b), watcher, b);
    expect(await kit.payment(onA.id)).toMatchObject({ status: 'PAID', amountReceived: 5_000_000n });
    expect(await kit.payment(onB.id)).toMatchObject({ status: 'PENDING', amountReceived: 0n });
    await kit.waitForCursor(await kit.mine(2, b), watcher, b);
    expect(await kit.payment(onB.id)).toMatchObject({ status: 'PAID', amountReceived: 5_000_000n });

    expect(await kit.transfersOf(onA.id)).toEqual([
      expect.objectContaining({ chainId: 31337, txHash: paidOnA.hash, tokenAddress: getAddress(a.contracts.tokens.USDC) }),
    ]);
    expect(await kit.transfersOf(onB.id)).toEqual([
      expect.objectContaining({ chainId: 1337, txHash: paidOnB.hash, tokenAddress: getAddress(b.contracts.tokens.USDC) }),
    ]);
  });

  it('a transfer on the other chain to a payment\'s deposit address is not the payment\'s', async () => {
    const [a, b] = kit.chains as [(typeof kit.chains)[0], (typeof kit.chains)[0]];
    const onA = await kit.createPayment('ETH', { amount: 10n ** 17n, chain: a });
    await kit.waitUntilWatched(watcher, onA);

    await kit.pay('ETH', onA.depositAddress, 10n ** 17n, 2, b);
    await kit.waitForCursor(await kit.mine(4, b), watcher, b);
    await kit.waitForCursor(await kit.mine(2, a), watcher, a);

    expect(await kit.transfersOf(onA.id)).toEqual([]);
    expect(await kit.payment(onA.id)).toMatchObject({ status: 'CREATED', amountReceived: 0n });
  });

  it('one chain\'s failure never stops the other: A keeps paying while B is down, and B catches up after', async () => {
    const [a, b] = kit.chains as [(typeof kit.chains)[0], (typeof kit.chains)[0]];
    const onA = await kit.createPayment('USDT', { amount: 2_000_000n, chain: a });
    const onB = await kit.createPayment('USDT', { amount: 2_000_000n, chain: b });
    await Promise.all([kit.waitUntilWatched(watcher, onA), kit.waitUntilWatched(watcher, onB)]);
    const statusOf = async (chainId: number) => (await new ChainStatusRepository(kit.db.dataSource).list([chainId]))[0];

    await proxy.setMode('down');
    await kit.pay('USDT', onB.depositAddress, 2_000_000n, 3, b);
    await kit.pay('USDT', onA.depositAddress, 2_000_000n, 3, a);
    await kit.waitForCursor(await kit.mine(1, a), watcher, a);
    expect(await kit.payment(onA.id)).toMatchObject({ status: 'PAID' });
    await waitFor(() => statusOf(1337), (row) => row?.state === 'degraded', (row) => `chain B is ${row?.state}`);
    expect((await statusOf(31337))?.state).toBe('following');

    await proxy.setMode('pass');
    await kit.waitForCursor(await kit.mine(3, b), watcher, b);
    expect(await kit.payment(onB.id)).toMatchObject({ status: 'PAID', amountReceived: 2_000_000n });
    await waitFor(() => statusOf(1337), (row) => row?.state === 'following', (row) => `chain B is ${row?.state}`);
  });
});
