import { ConsoleLogger } from '@nestjs/common';

import { ChainCursorsRepository } from '@kassa/persistence';
import { waitFor } from '@kassa/testing';

import { forgetChainHistory } from '../../apps/cli/src/commands/chain.commands';

import { CapturingLogger, type RunningWatcher, useWatcherTestKit, type WatcherTestKit } from '@kassa/testing/scenario';

/**
 * A node that serves another chain under a kept database (DESIGN.md "Trusting the chain"):
 * a node reset in place (`hardhat_reset`), or one whose genesis block is not the recorded
 * one. Confirmations count only on the verified chain: nothing read from the other chain
 * moves a payment, changes an amount or causes an event. Production chains stall and say
 * why; development chains (`onNodeReset: 'forget'`) forget the old history, so its
 * transfers stop counting and no payment is ever PAID on a block that is not there. An
 * operator does the same for a stalled chain with `kassa chain forget`.
 */

/** One PAID and one PENDING payment, paid on the kit's chain before it goes away. */
async function paidAndPending(kit: WatcherTestKit, watcher: RunningWatcher) {
  const paid = await kit.createPayment('USDC', { amount: 2_000_000n });
  const pending = await kit.createPayment('USDC', { amount: 3_000_000n });
  await Promise.all([kit.waitUntilWatched(watcher, paid), kit.waitUntilWatched(watcher, pending)]);
  // The watcher stores the paying block before it is confirmed, so the payment is PENDING
  // first: read together with its confirmations, it would go straight to PAID.
  const paying = await kit.pay('USDC', paid.depositAddress, 2_000_000n);
  await kit.waitForCursor(paying.blockNumber, watcher);
  await kit.waitForCursor(await kit.mine(3), watcher);
  const { blockNumber } = await kit.pay('USDC', pending.depositAddress, 3_000_000n);
  await kit.waitForCursor(blockNumber, watcher);
  expect(await kit.payment(paid.id)).toMatchObject({ status: 'PAID', amountReceived: 2_000_000n });
  expect(await kit.payment(pending.id)).toMatchObject({ status: 'PENDING', amountReceived: 0n });
  return { paid, pending, oldHead: await kit.head() };
}

/** The state of a payment that must not move, with its transfers and events. */
async function snapshotOf(kit: WatcherTestKit, paymentId: string) {
  return { payment: await kit.payment(paymentId), transfers: await kit.transfersOf(paymentId), events: await kit.eventTypes(paymentId) };
}

describe('watcher: a node reset under a kept database, production chain (onNodeReset stall)', () => {
  const kit = useWatcherTestKit({ chains: [{ chainId: 31337, onNodeReset: 'stall' }] });

  it('stalls on a node reset in place (no payment moves, no amount changes, no event; the status says what to do) until kassa chain forget', async () => {
    let watcher = await kit.startWatcher();
    const { paid, pending, oldHead } = await paidAndPending(kit, watcher);
    const before = [await snapshotOf(kit, paid.id), await snapshotOf(kit, pending.id)];
    await watcher.stop();

    await kit.rpc('hardhat_reset');
    // The new chain passes the old heights: its blocks there are not the stored ones.
    await kit.mine(Number(oldHead) + 5);
    const logger = new CapturingLogger();
    watcher = await kit.startWatcher({ leader: false, logger });
    const [status] = await waitFor(
      async () => watcher.followers.status(),
      (statuses) => statuses[0]?.state === 'stalled',
      (statuses) => `follower status: ${JSON.stringify(statuses?.map((s) => [s.state, s.lastError]))}`,
    );
    expect(status!.lastError).toContain(`kassa chain forget 31337`);
    expect(status!.cursor).toBe(oldHead);
    await kit.mine(5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([await snapshotOf(kit, paid.id), await snapshotOf(kit, pending.id)]).toEqual(before);
    expect((await new ChainCursorsRepository(kit.db.dataSource).get(31337))?.blockNumber).toBe(oldHead);
    // One log line for the cause, however often the follower checks again.
    expect(logger.lines.filter((line) => line.level === 'error' && line.message.includes('stalled'))).toHaveLength(1);

    // The operator's answer: forget the replaced chain; the watcher follows the node's chain afresh.
    expect(await forgetChainHistory(kit.db.dataSource, kit.config, 31337)).toEqual({ orphanedPayments: 2 });
    await waitFor(
      async () => watcher.followers.status()[0]?.state,
      (state) => state === 'following',
      (state) => `state ${state}`,
    );
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect(await kit.payment(pending.id)).toMatchObject({ status: 'CREATED', amountReceived: 0n });
    expect(await kit.payment(paid.id)).toMatchObject({ status: 'PAID', exception: 'REORGED', amountReceived: 0n });
    await watcher.stop();
  });

});

describe('watcher: a node whose genesis block is not the recorded one (onNodeReset stall)', () => {
  // A chain of its own: the test above leaves its node reset, without Kassa's contracts.
  const kit = useWatcherTestKit({ chains: [{ chainId: 31337, onNodeReset: 'stall' }] });

  it('stalls when the node\'s genesis block is not the recorded one, naming both', async () => {
    const watcher = await kit.startWatcher({ leader: false });
    await waitFor(
      async () => watcher.followers.status()[0]?.state,
      (state) => state === 'stalled' || state === 'following',
      (state) => `state ${state}`,
    );
    await watcher.stop();
    const recorded = `0x${'ab'.repeat(32)}`;
    await kit.db.dataSource.query('UPDATE chain_identities SET genesis_hash = $1 WHERE chain_id = 31337', [recorded]);

    const again = await kit.startWatcher({ leader: false, logger: new ConsoleLogger({ logLevels: ['fatal'] }) });
    const [status] = await waitFor(
      async () => again.followers.status(),
      (statuses) => statuses[0]?.state === 'stalled' && (statuses[0].lastError ?? '').includes('genesis'),
      (statuses) => `follower status: ${JSON.stringify(statuses?.map((s) => [s.state, s.lastError]))}`,
    );
    const genesis = await kit.chain.publicClient.getBlock({ blockNumber: 0n });
    expect(status!.lastError).toContain(recorded);
    expect(status!.lastError).toContain(genesis.hash);
    expect(status!.lastError).toContain('kassa chain forget 31337');
    await again.stop();
  });
});

describe('watcher: a development chain restarted from genesis (onNodeReset forget)', () => {
  const kit = useWatcherTestKit({ chains: [{ chainId: 31337, onNodeReset: 'forget' }] });

  it('forgets the old history: its transfers stop counting, PENDING returns to CREATED, PAID gets REORGED, nothing is PAID on the new blocks', async () => {
    let watcher = await kit.startWatcher();
    const { paid, pending, oldHead } = await paidAndPending(kit, watcher);
    await watcher.stop();

    await kit.rpc('hardhat_reset');
    await kit.mine(Number(oldHead) + 5);
    watcher = await kit.startWatcher({ logger: new ConsoleLogger({ logLevels: ['fatal', 'error'] }) });
    await kit.waitForCursor(await kit.mine(2), watcher);

    expect(await kit.payment(pending.id)).toMatchObject({ status: 'CREATED', exception: null, amountReceived: 0n });
    expect(await kit.payment(paid.id)).toMatchObject({ status: 'PAID', exception: 'REORGED', amountReceived: 0n });
    expect((await kit.transfersOf(pending.id)).map((transfer) => transfer.status)).toEqual(['orphaned']);
    expect((await kit.transfersOf(paid.id)).map((transfer) => transfer.status)).toEqual(['orphaned']);
    expect(await kit.eventTypes(pending.id)).toEqual(['payment.created', 'payment.pending']);
    expect(await kit.eventTypes(paid.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid', 'payment.reorged']);
    await watcher.stop();
  });
});
