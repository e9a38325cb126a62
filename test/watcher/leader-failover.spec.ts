import type { Hash } from 'viem';

import { ChainCursorsRepository, ChainStatusRepository, runSql, selectOne, selectRows } from '@kassa/persistence';
import { CHAIN_WRITE_LOCK_KEY, chainLockKey, CursorMovedError, LeadershipLostError, RecordBlocks, WATCHER_LOCK_KEY } from '@kassa/watcher';
import { waitFor } from '@kassa/testing';

import { spawnWatcher, useWatcherTestKit, type WatcherProcess } from '@kassa/testing/scenario';

/** Boot of a watcher process: ~3 s idle, far more when other suites load the cores (see crash-safety.spec.ts). */
const BOOT_MS = 90_000;
/** "Takes over within a few seconds": the standby retries the lock every 5 s (`leaderRetryMs`). */
const TAKEOVER_MS = 15_000;
/**
 * A hung leader is replaced within 30 s: PostgreSQL cuts its silent lock connection after
 * `leaderLeaseMs` (15 s), and the standby retries every `leaderRetryMs` (5 s).
 */
const HUNG_TAKEOVER_MS = 30_000;
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

  // No process of a test outlives it, even a failed one: a leader left running would keep
  // the next test's watcher standing by.
  const spawned: WatcherProcess[] = [];
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((watcher) => watcher.kill('SIGKILL')));
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

    // Every transfer to these payments, whatever the tests before left on the chain.
    const stored = await selectRows<{ tx_hash: string; n: number }>(
      kit.db.dataSource.manager,
      `SELECT tx_hash, count(*)::int AS n FROM transfers WHERE payment_id = ANY($1) GROUP BY tx_hash`,
      [payments.map((payment) => payment.id)],
    );
    expect(stored.map((row) => row.n)).toEqual(sent.map(() => 1));
    expect(stored.map((row) => row.tx_hash).sort()).toEqual(sent.map((transfer) => transfer.hash).sort());
    for (const payment of payments) {
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 10_000_000n });
      expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
    }
    const blocks = await new ChainCursorsRepository(kit.db.dataSource).getBlocks(kit.chain.config.chainId, 0n, await kit.head());
    blocks.slice(1).forEach((block, i) => expect(block.parentHash).toBe(blocks[i]!.blockHash));
    await standby.kill('SIGTERM');
  }, 2 * BOOT_MS + TAKEOVER_MS);

  const leaderRow = (): Promise<{ epoch: string; leader: string } | null> =>
    selectOne<{ epoch: string; leader: string }>(kit.db.dataSource.manager, `SELECT epoch, leader FROM watcher_leaders WHERE chain_id = $1`, [kit.chain.config.chainId]);

  it('replaces a leader that hangs (SIGSTOP) within 30 s; resumed (SIGCONT), it writes nothing and stands by', async () => {
    const settings = { databaseUrl: kit.db.url, chains: kit.config.chains, logLevel: 'log' };
    const payments = await Promise.all([1, 2].map(() => kit.createPayment('USDC', { amount: 6_000_000n })));
    const watchers: WatcherProcess[] = [spawnWatcher(settings), spawnWatcher(settings)];
    spawned.push(...watchers);
    const byId = new Map(watchers.map((watcher) => [watcher.watcherId, watcher]));
    const diagnostics = (): string => watchers.map((watcher) => `--- ${watcher.watcherId} ---\n${watcher.output()}`).join('\n');
    const first = await waitFor(leaderOf, (id) => id !== undefined && byId.has(id), () => `no watcher leads\n${diagnostics()}`, BOOT_MS);
    const hung = byId.get(first!)!;
    const standby = watchers.find((watcher) => watcher !== hung)!;
    await waitFor(async () => standby.output(), (output) => output.includes('Standby for chain'), () => `no standby\n${diagnostics()}`, BOOT_MS);
    const before = await leaderRow();
    expect({ leader: before?.leader, output: diagnostics() }).toMatchObject({ leader: hung.watcherId });

    const sent: Hash[] = [];
    for (const payment of payments) sent.push((await kit.pay('USDC', payment.depositAddress, 2_000_000n)).hash);
    await kit.waitForCursor(await kit.head());

    process.kill(hung.pid, 'SIGSTOP');
    try {
      // Customers keep paying while the leader hangs; the standby must take the chain over.
      for (const payment of payments) sent.push((await kit.pay('USDC', payment.depositAddress, 4_000_000n)).hash);
      await waitFor(leaderOf, (id) => id === standby.watcherId, (id) => `the chain is led by ${id ?? 'nobody'}\n${diagnostics()}`, HUNG_TAKEOVER_MS);
      const after = await leaderRow();
      expect(after).toEqual({ epoch: String(BigInt(before!.epoch) + 1n), leader: standby.watcherId });
      await kit.waitForCursor(await kit.mine(3));
      for (const payment of payments) expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 6_000_000n });
    } finally {
      process.kill(hung.pid, 'SIGCONT');
    }

    // Resumed, the old leader finds its lock gone (its session was cut) and stands by again.
    await waitFor(
      async () => hung.output(),
      (output) => /Lost the lock of chain|no longer leads chain/.test(output) && output.lastIndexOf('Standby for chain') > output.search(/Lost the lock of chain|no longer leads chain/),
      () => `the resumed watcher did not stand by\n${diagnostics()}`,
      TAKEOVER_MS,
    );
    await kit.waitForCursor(await kit.mine(2));
    expect(await leaderOf()).toBe(standby.watcherId);
    expect(await lockHolders()).toHaveLength(1);
    expect((await leaderRow())?.leader).toBe(standby.watcherId);
    const stored = await selectRows<{ tx_hash: string; n: number }>(kit.db.dataSource.manager, `SELECT tx_hash, count(*)::int AS n FROM transfers WHERE tx_hash = ANY($1) GROUP BY tx_hash`, [sent]);
    expect(stored.map((row) => row.n)).toEqual(sent.map(() => 1));
    for (const payment of payments) {
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 6_000_000n });
      expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
    }
    await Promise.all(watchers.map((watcher) => watcher.kill('SIGTERM')));
  }, 2 * BOOT_MS + HUNG_TAKEOVER_MS + TAKEOVER_MS + 30_000);

  it('refuses every write of a leader whose epoch another leader has since taken (fencing), and writes nothing', async () => {
    const leader = await kit.startWatcher();
    await kit.waitForCursor(await kit.mine(1), leader);
    await leader.stop();
    // A watcher application that follows nothing: its RecordBlocks writes as the old leader would.
    const writer = await kit.startWatcher({ watcher: { autoStart: false }, leader: false });
    const cursors = new ChainCursorsRepository(kit.db.dataSource);
    const chainId = kit.chain.config.chainId;
    const stale = (await leaderRow())!.epoch;
    const current = await cursors.takeLeadership(chainId, 'another-host:1');
    expect(current).toBe(BigInt(stale) + 1n);
    const stored = (await cursors.get(chainId))!;
    const cursor = { number: stored.blockNumber, hash: stored.blockHash };
    const recorder = writer.app.get(RecordBlocks);
    const genesis = (await kit.chain.publicClient.getBlock({ blockNumber: 0n })).hash;

    await expect(recorder.forgetHistory(chainId, cursor, genesis, BigInt(stale))).rejects.toBeInstanceOf(LeadershipLostError);
    await expect(recorder.adoptIdentity(chainId, genesis, BigInt(stale))).rejects.toBeInstanceOf(LeadershipLostError);

    expect(await cursors.get(chainId)).toEqual(stored);
    expect(await cursors.identity(chainId)).toBe(genesis);
    // The current leader's epoch writes.
    await expect(recorder.adoptIdentity(chainId, genesis, current)).resolves.toBe(genesis);
  });

  it("a write that waited for the chain's write lock judges the cursor as the writer before it left it, and writes nothing", async () => {
    const leader = await kit.startWatcher();
    await kit.waitForCursor(await kit.mine(1), leader);
    await leader.stop();
    const writer = await kit.startWatcher({ watcher: { autoStart: false }, leader: false });
    const recorder = writer.app.get(RecordBlocks);
    const cursors = new ChainCursorsRepository(kit.db.dataSource);
    const chainId = kit.chain.config.chainId;
    const epoch = BigInt((await leaderRow())!.epoch);
    const stored = (await cursors.get(chainId))!;
    const history = await cursors.getBlocks(chainId, 0n, stored.blockNumber);
    const genesis = (await kit.chain.publicClient.getBlock({ blockNumber: 0n })).hash;
    const movedHash = `0x${'ab'.repeat(32)}`;
    const waitingForTheLock = async (): Promise<number> =>
      (
        await selectRows(
          kit.db.dataSource.manager,
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2 AND objsubid = 2`,
          [CHAIN_WRITE_LOCK_KEY, chainLockKey(chainId)],
        )
      ).length;

    // Another writer of the chain holds its write lock and moves the cursor.
    const other = kit.db.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [CHAIN_WRITE_LOCK_KEY, chainLockKey(chainId)]);
      await other.query('UPDATE chain_cursors SET block_hash = $2 WHERE chain_id = $1', [chainId, movedHash]);
      // A fenced write expecting the cursor read before (forgetting the chain's history) waits for the lock ...
      const forgetting = recorder.forgetHistory(chainId, { number: stored.blockNumber, hash: stored.blockHash }, genesis, epoch);
      forgetting.catch(() => undefined);
      await waitFor(waitingForTheLock, (waiting) => waiting === 1, () => 'the fenced write never waited for the write lock', 10_000);
      await other.commitTransaction();
      // ... and, once it has the lock, sees the cursor the other writer committed meanwhile.
      await expect(forgetting).rejects.toBeInstanceOf(CursorMovedError);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    expect((await cursors.get(chainId))?.blockHash).toBe(movedHash);
    expect(await cursors.getBlocks(chainId, 0n, stored.blockNumber)).toEqual(history);
    await runSql(kit.db.dataSource.manager, 'UPDATE chain_cursors SET block_hash = $2 WHERE chain_id = $1', [chainId, stored.blockHash]);
  });
});
