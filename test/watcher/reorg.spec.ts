import { encodeFunctionData, erc20Abi, type Hex } from 'viem';

import { ChainCursorsRepository } from '@kassa/persistence';
import { waitFor } from '@kassa/testing';

import { expectPaidOnConfirmedValue, rawTransactionHash, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * Reorgs (real ones on a Hardhat node: `evm_snapshot` / `evm_revert`, then mining other
 * blocks, changes the block at a height exactly as a node sees a reorg): a transfer whose
 * block leaves the chain stops counting, a payment that relied on it goes back to CREATED,
 * a transfer mined again in the new branch counts once and needs its confirmations again,
 * and a PAID payment that loses counted value keeps its status with exception REORGED and
 * a `payment.reorged` event.
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
  /** A USDC transfer signed once, so the very same transaction can be mined in two branches. */
  const signedTransfer = async (to: `0x${string}`, amount: bigint, customer: number): Promise<Hex> => {
    const wallet = kit.chain.wallet(customer);
    const request = await wallet.prepareTransactionRequest({
      to: kit.chain.contracts.tokens.USDC,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
      gas: 100_000n,
    });
    return wallet.signTransaction(request);
  };
  const mineRaw = async (serialized: Hex) => {
    await kit.rpc('eth_sendRawTransaction', [serialized]);
    return kit.chain.publicClient.waitForTransactionReceipt({ hash: rawTransactionHash(serialized) });
  };

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
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending']);
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

  it('a PAID payment whose transfer is reorged out stays PAID with exception REORGED and one payment.reorged event', async () => {
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
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid', 'payment.reorged']);
    const reorged = (await kit.events(payment.id)).at(-1)!;
    expect(reorged.data).toMatchObject({ id: payment.id, status: 'PAID', exception: 'REORGED', amountReceivedBaseUnits: '0' });

    // More blocks on the new branch announce nothing more: the exception is told once.
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid', 'payment.reorged']);
  });

  it('a transfer mined again in a later block of the new branch needs its confirmations again before PAID', async () => {
    const payment = await kit.createPayment('USDC', { amount: 6_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const serialized = await signedTransfer(payment.depositAddress, 6_000_000n, 4);
    const before = await snapshot();
    const first = await mineRaw(serialized);
    await kit.waitForCursor(await kit.mine(1), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING'); // 2 confirmations of 3

    // The new branch: two empty blocks, then the same transaction two blocks later than before.
    await revert(before);
    await kit.mine(2);
    const second = await mineRaw(serialized);
    expect(second.blockNumber).toBe(first.blockNumber + 2n);
    await kit.waitForCursor(second.blockNumber, watcher);
    await waitFor(
      () => kit.transfersOf(payment.id),
      (transfers) => transfers[0]?.blockNumber === second.blockNumber,
      (transfers) => `transfers: ${JSON.stringify(transfers?.map((t) => [String(t.blockNumber), t.status]))}`,
    );

    // Counted from its old block it would have 4 confirmations; from its new one it has 1.
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 0n });
    await kit.waitForCursor(await kit.mine(1), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');
    await kit.waitForCursor(await kit.mine(1), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 6_000_000n });
    const events = await kit.events(payment.id);
    // PENDING may have been announced twice: the watcher can see the new branch before the
    // transaction is in it (PENDING -> CREATED, silent), then again with it.
    expect(events.filter((event) => event.type === 'payment.paid')).toHaveLength(1);
    expect(events.at(-1)!.type).toBe('payment.paid');
    expectPaidOnConfirmedValue(events);
  });

  it('a PAID payment whose transfer is mined again within the same reorg stays PAID without REORGED', async () => {
    const payment = await kit.createPayment('USDC', { amount: 2_500_000n });
    await kit.waitUntilWatched(watcher, payment);
    const serialized = await signedTransfer(payment.depositAddress, 2_500_000n, 5);
    const before = await snapshot();
    const first = await mineRaw(serialized);
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PAID');

    // The new branch holds the same transaction one block later and grows past the old tip
    // only after it is mined, so the watcher sees the whole new branch in one reorg.
    await revert(before);
    await kit.mine(1);
    const second = await mineRaw(serialized);
    expect(second.blockHash).not.toBe(first.blockHash);
    await kit.waitForCursor(await kit.mine(3), watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 2_500_000n });
    expect(await kit.transfersOf(payment.id)).toEqual([
      expect.objectContaining({ blockNumber: second.blockNumber, blockHash: second.blockHash, status: 'active' }),
    ]);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });

  it('keeps the hashes of the last finalityDepth blocks only, linked to each other', async () => {
    const depth = kit.chain.config.finalityDepth;
    const head = await kit.mine(depth + 20);
    await kit.waitForCursor(head, watcher);

    const stored = await new ChainCursorsRepository(kit.db.dataSource).getBlocks(kit.chain.config.chainId, 0n, head);
    expect(stored.map((block) => block.blockNumber)).toEqual(Array.from({ length: depth }, (_, i) => head - BigInt(depth) + 1n + BigInt(i)));
    stored.slice(1).forEach((block, i) => expect(block.parentHash).toBe(stored[i]!.blockHash));
    expect(stored.at(-1)!.blockHash).toBe(await canonicalHash(head));
  });
});
