import type { Hex } from 'viem';

import { waitFor } from '@kassa/testing';

import { type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * A chain whose node answers the `finalized` block tag (`finalizedTag`): nothing at or below
 * the finalized block may change. Hardhat calls its latest block finalized, so a reorg of it
 * (`evm_revert`, then other blocks) replaces blocks the node itself called final: the watcher
 * refuses it, stalls the chain and leaves every payment as it was.
 */
describe('watcher: finalized blocks (finalizedTag)', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher({
      watcher: { finalizedRefreshMs: 0 },
      config: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, finalizedTag: true })) }),
    });
  });
  afterAll(async () => {
    await watcher?.stop();
  });

  it('refuses a reorg that replaces a finalized block: the chain stalls, the payment keeps its transfer and status', async () => {
    const payment = await kit.createPayment('USDC', { amount: 5_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const before = await kit.rpc<Hex>('evm_snapshot');
    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 5_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');

    expect(await kit.rpc<boolean>('evm_revert', [before])).toBe(true);
    await kit.mine(3);

    const [status] = await waitFor(
      async () => watcher.followers.status(),
      (statuses) => statuses[0]?.state === 'stalled',
      (statuses) => `follower status: ${JSON.stringify(statuses?.map((s) => [s.state, s.lastError]))}`,
    );
    expect(status!.lastError).toContain('at or below its finalized block');
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 0n });
    expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ status: 'active', blockNumber })]);
  });
});
