import type { Hash } from 'viem';

import type { Payment } from '@kassa/domain';
import { ChainCursorsRepository, selectRows } from '@kassa/persistence';
import { waitFor } from '@kassa/testing';

import { spawnWatcher, type TestCoin, useWatcherTestKit, type WatcherProcess } from '@kassa/testing/scenario';

/** A transfer the test sent, as the chain mined it. */
interface Sent {
  hash: Hash;
  blockNumber: bigint;
  paymentId: string;
  amount: bigint;
}

const KILLS = 4;
/**
 * How long a watcher process may take to boot and store its first blocks. About 3 s on an
 * idle machine (ts-node transpiles the sources at start); far more when other suites load
 * the two cores, so the bound is loose: it only turns a hang into a failure.
 */
const BOOT_MS = 90_000;

/**
 * Crash safety: a real watcher process (`apps/watcher/src/main.ts`) is killed with SIGKILL
 * at random points while customers keep paying, and restarted each time. Every transfer
 * is stored exactly once, the cursor never stands past a block whose transfers are not
 * stored, and the payments add up to what was paid.
 */
describe('watcher: crash safety', () => {
  const kit = useWatcherTestKit({ chains: [{ confirmations: 2, pollIntervalMs: 50 }] });

  const cursor = async (): Promise<bigint> => (await new ChainCursorsRepository(kit.db.dataSource).get(kit.chain.config.chainId))?.blockNumber ?? -1n;
  const storedCounts = async (): Promise<Map<string, number>> => {
    const rows = await selectRows<{ tx_hash: string; n: number }>(
      kit.db.dataSource.manager,
      `SELECT tx_hash, count(*)::int AS n FROM transfers WHERE chain_id = $1 GROUP BY tx_hash`,
      [kit.chain.config.chainId],
    );
    return new Map(rows.map((row) => [row.tx_hash, row.n]));
  };
  /** Every transfer in a block at or below the cursor is stored, once. */
  const expectStoredUpToCursor = async (sent: readonly Sent[], when: string, watcher: WatcherProcess): Promise<void> => {
    const [at, stored] = await Promise.all([cursor(), storedCounts()]);
    const missing = sent.filter((transfer) => transfer.blockNumber <= at && stored.get(transfer.hash) !== 1);
    if (missing.length > 0) {
      throw new Error(
        `${when}: cursor at ${at} but ${missing.length} transfer(s) at or below it are not stored exactly once: ` +
          `${missing.map((t) => `${t.hash}@${t.blockNumber}=${stored.get(t.hash) ?? 0}`).join(', ')}\n--- watcher output ---\n${watcher.output()}`,
      );
    }
  };

  it('killed mid-scan again and again under a stream of payments, it loses nothing and stores nothing twice', async () => {
    const coins: TestCoin[] = ['USDC', 'USDC', 'ETH', 'USDT', 'USDC', 'ETH'];
    // Large amounts: the stream never completes a payment, so each one must end PENDING with exactly what it was sent.
    const payments: Payment[] = await Promise.all(coins.map((coin) => kit.createPayment(coin, { amount: coin === 'ETH' ? 10n ** 21n : 10n ** 9n })));
    const sent: Sent[] = [];
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        const payment = payments[i % payments.length]!;
        const amount = BigInt(1_000 + i);
        const { hash, blockNumber } = await kit.pay(coins[i % coins.length]!, payment.depositAddress, amount, 1 + (i % 5));
        sent.push({ hash, blockNumber, paymentId: payment.id, amount });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      }
    })();

    const settings = { databaseUrl: kit.db.url, chains: kit.config.chains };
    const spawned: WatcherProcess[] = [];
    try {
      for (let round = 1; round <= KILLS; round++) {
        const watcher = spawnWatcher(settings);
        spawned.push(watcher);
        const from = await cursor();
        await waitFor(
          cursor,
          (at) => at > from + 2n,
          (at) => `round ${round}: the watcher made no progress from ${from} (cursor ${at})\n${watcher.output()}`,
          BOOT_MS,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
        await watcher.kill('SIGKILL');
        await expectStoredUpToCursor(sent, `after kill ${round}`, watcher);
      }
    } finally {
      streaming = false;
      await stream;
      await Promise.all(spawned.map((watcher) => watcher.kill('SIGKILL')));
    }

    // The last customer completes the first payment; confirmations follow.
    const first = payments[0]!;
    const paidSoFar = sent.filter((transfer) => transfer.paymentId === first.id).reduce((sum, transfer) => sum + transfer.amount, 0n);
    const topUp = await kit.pay(coins[0]!, first.depositAddress, first.amount - paidSoFar, 1);
    sent.push({ hash: topUp.hash, blockNumber: topUp.blockNumber, paymentId: first.id, amount: first.amount - paidSoFar });
    const head = await kit.mine(2);

    const last = spawnWatcher(settings);
    await waitFor(cursor, (at) => at >= head, (at) => `the last watcher stopped at ${at} of ${head}\n${last.output()}`, BOOT_MS);
    await last.kill('SIGTERM');
    await expectStoredUpToCursor(sent, 'at the end', last);

    const stored = await storedCounts();
    expect(stored.size).toBe(sent.length);
    for (const payment of payments) {
      const expected = sent.filter((transfer) => transfer.paymentId === payment.id).reduce((sum, transfer) => sum + transfer.amount, 0n);
      const current = await kit.payment(payment.id);
      const events = await kit.eventTypes(payment.id);
      if (payment.id === first.id) {
        expect({ status: current.status, exception: current.exception, amountReceived: current.amountReceived, events }).toEqual({
          status: 'PAID',
          exception: null,
          amountReceived: payment.amount,
          events: ['payment.created', 'payment.pending', 'payment.paid'],
        });
      } else {
        expect({ status: current.status, amountReceived: current.amountReceived, events }).toEqual({
          status: 'PENDING',
          amountReceived: expected,
          events: ['payment.created', 'payment.pending'],
        });
      }
    }
    // The stored block hashes are one linked chain up to the cursor.
    const blocks = await new ChainCursorsRepository(kit.db.dataSource).getBlocks(kit.chain.config.chainId, 0n, head);
    blocks.slice(1).forEach((block, i) => expect(block.parentHash).toBe(blocks[i]!.blockHash));
    expect(blocks.at(-1)!.blockNumber).toBe(head);
  }, (KILLS + 1) * BOOT_MS);
});
