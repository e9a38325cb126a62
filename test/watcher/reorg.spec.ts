import { encodeFunctionData, erc20Abi, type Hex } from 'viem';

import { ChainCursorsRepository } from '@kassa/persistence';

import { rawTransactionHash, useWatcherTestKit, waitFor, type RunningWatcher } from './support/watcher-test-kit';

/**
 * Reorgs (simulated with `evm_snapshot` / `evm_revert`, then mining other blocks): a
 * transfer whose block leaves the chain stops counting, a payment that relied on it goes
 * back to CREATED, and a PAID payment that loses counted value keeps its status with
 * exception REORGED.
 */
describe('watcher: reorgs', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  const snapshot = (): Promise<Hex> => kit.rpc<Hex>('evm_snapshot');
  const revert = async (id: Hex): Promise<void> => {
    expect(await kit.rpc<boolean>('evm_revert', [id])).toBe(true);
  };
  const storedHash = async (blockNumber: bigint): Promise<string | undefined> =>
    (await new ChainCursorsRepository(kit.db.dataSource).getBlocks(kit.chain.config.chainId, blockNumber, blockNumber))[0]?.blockHash;
  const canonicalHash = async (blockNumber: bigint): Promise<string> => (await kit.chain.publicClient.getBlock({ blockNumber })).hash;

  it('orphans a transfer whose block was reorged out, and the PENDING payment returns to CREATED', async () => {
    const payment = await kit.createPayment('USDC', { amount: 5_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const before = await snapshot();
    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 5_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');

    await revert(before);
    const head = await kit.mine(3);
    expect(head).toBe(blockNumber + 2n);
    await waitFor(
      () => kit.transfersOf(payment.id),
      (transfers) => transfers[0]?.status === 'orphaned',
      (transfers) => `transfers: ${JSON.stringify(transfers?.map((t) => t.status))}`,
    );
    await kit.waitForCursor(head, watcher);

    expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ blockNumber, status: 'orphaned' })]);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'CREATED', exception: null, amountReceived: 0n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.pending']);
    // The stored block hashes follow the new branch.
    for (const n of [blockNumber, head]) expect(await storedHash(n)).toBe(await canonicalHash(n));
  });

  it('a transaction mined again in the new branch is the same transfer: counted once, PAID once', async () => {
    const payment = await kit.createPayment('USDC', { amount: 7_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const wallet = kit.chain.wallet(3);
    const request = await wallet.prepareTransactionRequest({
      to: kit.chain.contracts.tokens.USDC,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [payment.depositAddress, 7_000_000n] }),
      gas: 100_000n,
    });
    const serialized = await wallet.signTransaction(request);
    const before = await snapshot();
    await kit.rpc('eth_sendRawTransaction', [serialized]);
    const first = await kit.chain.publicClient.waitForTransactionReceipt({ hash: rawTransactionHash(serialized) });
    await kit.waitForCursor(first.blockNumber, watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');

    await revert(before);
    await kit.mine(1);
    await kit.rpc('eth_sendRawTransaction', [serialized]);
    const second = await kit.chain.publicClient.waitForTransactionReceipt({ hash: rawTransactionHash(serialized) });
    expect(second.blockHash).not.toBe(first.blockHash);
    await kit.waitForCursor(await kit.mine(2), watcher);

    expect(await kit.transfersOf(payment.id)).toEqual([
      expect.objectContaining({ blockNumber: second.blockNumber, blockHash: second.blockHash, status: 'active', amount: 7_000_000n }),
    ]);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 7_000_000n });
    const events = await kit.eventTypes(payment.id);
    expect(events.filter((type) => type === 'payment.paid')).toHaveLength(1);
    expect(events).not.toContain('payment.late_transfer');
  });

  it('a PAID payment whose transfer is reorged out stays PAID with exception REORGED', async () => {
    const payment = await kit.createPayment('USDT', { amount: 4_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const before = await snapshot();
    const { blockNumber } = await kit.pay('USDT', payment.depositAddress, 4_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PAID');

    await revert(before);
    await kit.waitForCursor(await kit.mine(5), watcher);
    await waitFor(
      () => kit.payment(payment.id),
      (current) => current.exception === 'REORGED',
      (current) => `payment is ${current?.status}/${current?.exception}`,
    );

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'REORGED', amountReceived: 0n });
    expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ status: 'orphaned' })]);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.pending', 'payment.paid']);
  });
});
