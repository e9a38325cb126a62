import type { Hash } from 'viem';

import { ChainCursorsRepository, ChainStatusRepository, selectRows } from '@kassa/persistence';
import { WATCHER_LOCK_KEY } from '@kassa/watcher';

import { spawnWatcher, type WatcherProcess } from './support/watcher-process';
import { useWatcherTestKit, waitFor } from './support/watcher-test-kit';

/** Boot of a watcher process: ~3 s idle, far more when other suites load the cores (see crash-safety.spec.ts). */
const BOOT_MS = 90_000;
/** "Takes over within a few seconds": the standby retries the lock every 5 s (`leaderRetryMs`). */
const TAKEOVER_MS = 15_000;
/**
 * One active watcher per chain: two real watcher processes on one database. Exactly one
 * holds the chain's advisory lock and follows it; when it is killed (SIGKILL, no clean-up),
 * the other takes over within a few seconds, with no block skipped and nothing counted
 * twice.
 */
describe('watcher: one leader per chain across processes', () => {
  const kit = useWatcherTestKit({ chains: [{ confirmations: 2, pollIntervalMs: 50 }] });

  const leaderOf = async (): Promise<string | undefined> => {
    const [status] = await new ChainStatusRepository(kit.db.dataSource).list([kit.chain.config.chainId]);
    return status?.state === 'following' ? status.watcherId : undefined;
  };
  /** Sessions holding the chain's watcher lock in this database (advisory locks are per database; pg_locks shows the cluster). */
  const lockHolders = async (): Promise<number[]> => {
    const rows = await selectRows<{ pid: number }>(
      kit.db.dataSource.manager,
      `SELECT pid FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [WATCHER_LOCK_KEY, kit.chain.config.chainId],
    );
    return rows.map((row) => row.pid);
  };

  const spawned: WatcherProcess[] = [];
  afterAll(async () => {
    await Promise.all(spawned.map((watcher) => watcher.kill('SIGKILL')));
  });

  it('exactly one of two processes follows the chain; killed, the other takes over with no gap and no double count', async () => {
    const settings = { databaseUrl: kit.db.url, chains: kit.config.chains, logLevel: 'log' };
    const payments = await Promise.all([1, 2, 3].map(() => kit.createPayment('USDC', { amount: 10_000_000n })));
    const watchers: WatcherProcess[] = [spawnWatcher(settings), spawnWatcher(settings)];
    spawned.push(...watchers);
    const byId = new Map(watchers.map((watcher) => [watcher.watcherId, watcher]));
    const diagnostics = (): string => watchers.map((watcher) => `--- ${watcher.watcherId} ---\n${watcher.output()}`).join('\n');

    const first = await waitFor(leaderOf, (id) => id !== undefined && byId.has(id), () => `no watcher leads\n${diagnostics()}`, BOOT_MS);
    const leader = byId.get(first!)!;
    const standby = watchers.find((watcher) => watcher !== leader)!;
    await waitFor(
      async () => standby.output(),
      (output) => output.includes('Standby for chain'),
      () => `the second process is not standing by\n${diagnostics()}`,
      BOOT_MS,
    );
    expect(await lockHolders()).toHaveLength(1);

    const sent: { hash: Hash; paymentId: string }[] = [];
    const payAll = async (amount: bigint): Promise<void> => {
      for (const [i, payment] of payments.entries()) {
        const { hash } = await kit.pay('USDC', payment.depositAddress, amount, 1 + i);
        sent.push({ hash, paymentId: payment.id });
      }
    };
    await payAll(4_000_000n);
    await kit.waitForCursor(await kit.head());

    // Killed while customers keep paying: the standby takes the lock and goes on from the cursor.
    const paying = payAll(3_000_000n);
    await leader.kill('SIGKILL');
    await paying;
    await waitFor(leaderOf, (id) => id === standby.watcherId, (id) => `the chain is led by ${id ?? 'nobody'}\n${diagnostics()}`, TAKEOVER_MS);
    expect(await lockHolders()).toHaveLength(1);
    await payAll(3_000_000n);
    await kit.waitForCursor(await kit.mine(2));

    const stored = await selectRows<{ tx_hash: string; n: number }>(
      kit.db.dataSource.manager,
      `SELECT tx_hash, count(*)::int AS n FROM transfers GROUP BY tx_hash`,
    );
    expect(stored.map((row) => row.n)).toEqual(sent.map(() => 1));
    expect(stored.map((row) => row.tx_hash).sort()).toEqual(sent.map((transfer) => transfer.hash).sort());
    for (const payment of payments) {
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 10_000_000n });
      expect(await kit.eventTypes(payment.id)).toEqual(['payment.pending', 'payment.paid']);
    }
    const blocks = await new ChainCursorsRepository(kit.db.dataSource).getBlocks(kit.chain.config.chainId, 0n, await kit.head());
    blocks.slice(1).forEach((block, i) => expect(block.parentHash).toBe(blocks[i]!.blockHash));
    await standby.kill('SIGTERM');
  }, 2 * BOOT_MS + TAKEOVER_MS);
});
