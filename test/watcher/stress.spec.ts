import { randomBytes } from 'node:crypto';

import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { type Address, formatUnits, getAddress, type Hex } from 'viem';

import { type LocalChain } from '@kassa/chain';
import type { ScannedBlock, ScannedTransfer } from '@kassa/chain';
import type { KassaConfig } from '@kassa/config';
import { evaluatePayment, isFinal, type Payment, sameOption } from '@kassa/domain';
import { ChainCursorsRepository, PaymentObjectsService, PaymentsRepository, selectRows, TransfersRepository } from '@kassa/persistence';
import { seededRandom } from '@kassa/testing';
import { RecordBlocks } from '@kassa/watcher';
import { ExpirePaymentsJob, WorkerModule } from '@kassa/worker';

import { DepositBalances } from '../../apps/worker/src/balances/deposit-balances';
import { useWatcherTestKit } from '@kassa/testing/scenario';

/** The run's seed: `KASSA_STRESS_SEED` replays a run (the interleavings of concurrent steps still vary). */
const SEED = Number(process.env.KASSA_STRESS_SEED ?? 20261206);
const PAYMENTS = 200;
const ROUNDS = 90;
/** Simulated seconds per round; deadlines fall between rounds 6 and 60. */
const ROUND_SECONDS = 10;
const AMOUNT = 10_000_000n;
/** Blocks a watcher step reads at most, as `maxBlocksPerScan` bounds a real one. */
const STEP_BLOCKS = 4;

const hash = (): Hex => `0x${randomBytes(32).toString('hex')}`;

/** One chain as the model has it: the canonical blocks and their transfers, and what its watcher recorded. */
interface ModelChain {
  local: LocalChain;
  chainId: number;
  token: Address;
  blocks: ScannedBlock[];
  transfers: Map<bigint, ScannedTransfer[]>;
  /** Deposit address (lowercase) -> payment id, for this chain's options. */
  watched: Map<string, string>;
  reorgs: number;
}

/**
 * "One payment, many chains, one truth" under stress: two chains' watchers (their
 * `RecordBlocks` steps, the code a follower runs) and the scheduler (`ExpirePaymentsJob`)
 * run concurrently in randomised combinations over 200 payments that can each be paid on
 * either chain, while both chains grow, reorganise and deadlines pass. After every round
 * the stored payments must agree with their transfers: the top-level `amountReceived`
 * equals the selected option's counted sum, an open payment's status, exception, amount
 * and option are what the pure lifecycle computes from the stored transfers and cursors,
 * a payment has at most one final event (exactly one once final), and its events come in
 * causal order.
 */
describe('watcher + scheduler: one truth per payment under concurrent steps, reorgs and deadlines', () => {
  const kit = useWatcherTestKit({
    chains: [
      { chainId: 31337, confirmations: 2, name: 'Local A' },
      { chainId: 1337, confirmations: 3, name: 'Local B', deployerNonceOffset: 2 },
    ],
  });
  let worker: INestApplicationContext;
  const chains: ModelChain[] = [];

  afterAll(async () => {
    await worker?.close();
  });

  it('keeps every payment consistent with its transfers after every round', async () => {
    const rng = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
    const start = Date.now();
    let now = new Date(start);

    for (const local of kit.chains) {
      const genesis: ScannedBlock = { number: 0n, hash: hash(), parentHash: `0x${'0'.repeat(64)}`, timestamp: new Date(start - 60_000) };
      chains.push({ local, chainId: local.config.chainId, token: local.contracts.tokens.USDC, blocks: [genesis], transfers: new Map(), watched: new Map(), reorgs: 0 });
    }
    const [chainA, chainB] = chains as [ModelChain, ModelChain];

    // 200 payments of 10 USDC, payable on either chain, due within the run.
    const payments: Payment[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const expiresInSeconds = 60 + Math.floor(rng() * 540);
      const accepted = [{ coin: 'USDC' as const, chain: chainA.local }, { coin: 'USDC' as const, chain: chainB.local }];
      const payment = await kit.createPricedPayment({ price: formatUnits(AMOUNT, 6), accepted, expiresInSeconds });
      payments.push(payment);
      for (const option of payment.options ?? []) {
        const model = chains.find((chain) => chain.chainId === option.chainId)!;
        model.watched.set(option.depositAddress.toLowerCase(), payment.id);
      }
    }

    const watcherApp = (await kit.startWatcher({ watcher: { autoStart: false }, leader: false })).app;
    const recorder = watcherApp.get(RecordBlocks);
    const objects = watcherApp.get(PaymentObjectsService);
    const config: KassaConfig = {
      ...kit.config,
      payments: { ...kit.config.payments, confirmationGraceSeconds: 60 },
      jobs: { ...kit.config.jobs, expiry: { ...kit.config.jobs.expiry, enabled: false, batchSize: 50 }, delivery: { ...kit.config.jobs.delivery, enabled: false } },
    };
    // The deposit balances a node would report: the model's canonical transfers up to a block.
    const balances = {
      async read(holdings: readonly { key: string; chainId: number; depositAddress: Address }[], atBlock: ReadonlyMap<string, bigint> = new Map()) {
        const result = new Map<string, bigint>();
        for (const holding of holdings) {
          const chain = chains.find((model) => model.chainId === holding.chainId)!;
          const upTo = atBlock.get(holding.key) ?? BigInt(chain.blocks.length - 1);
          let sum = 0n;
          for (const block of chain.blocks) {
            if (block.number > upTo) break;
            for (const transfer of chain.transfers.get(block.number) ?? []) if (transfer.to.toLowerCase() === holding.depositAddress.toLowerCase()) sum += transfer.amount;
          }
          result.set(holding.key, sum);
        }
        return result;
      },
      async headBlockNumber(chainId: number) {
        return BigInt(chains.find((model) => model.chainId === chainId)!.blocks.length - 1);
      },
    };
    worker = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] }).overrideProvider(DepositBalances).useValue(balances).compile();
    await worker.init();
    const expiry = worker.get(ExpirePaymentsJob);

    const figures = { rounds: 0, concurrentRounds: 0, watcherSteps: 0, expiryRuns: 0, transfers: 0, timedOut: 0 };

    /** Appends a block to the model with 0-5 transfers to random payments' addresses on this chain. */
    const extend = (chain: ModelChain): void => {
      const parent = chain.blocks[chain.blocks.length - 1]!;
      const block: ScannedBlock = { number: parent.number + 1n, hash: hash(), parentHash: parent.hash, timestamp: now };
      const addresses = [...chain.watched.keys()];
      const transfers: ScannedTransfer[] = [];
      const count = Math.floor(rng() * 6);
      for (let i = 0; i < count; i++) {
        transfers.push({
          chainId: chain.chainId,
          txHash: hash(),
          logIndex: i,
          blockNumber: block.number,
          blockHash: block.hash,
          blockTimestamp: block.timestamp,
          from: getAddress(`0x${randomBytes(20).toString('hex')}`),
          to: pick(addresses).toLowerCase() as `0x${string}`,
          tokenAddress: chain.token,
          amount: pick([3_000_000n, 5_000_000n, 7_000_000n, 10_000_000n, 12_000_000n]),
        });
      }
      figures.transfers += transfers.length;
      chain.blocks.push(block);
      chain.transfers.set(block.number, transfers);
    };

    /** Replaces the model's last `depth` blocks with a new branch (other transfers, other hashes). */
    const reorg = (chain: ModelChain, depth: number): void => {
      const keep = Math.max(1, chain.blocks.length - depth);
      for (const dropped of chain.blocks.splice(keep)) chain.transfers.delete(dropped.number);
      for (let i = 0; i < depth; i++) extend(chain);
      chain.reorgs++;
    };

    /** One watcher step: from the stored cursor (walking back to the common ancestor after a reorg) up to STEP_BLOCKS blocks. */
    const watch = async (chain: ModelChain): Promise<void> => {
      const cursors = new ChainCursorsRepository(kit.db.dataSource);
      const stored = await cursors.get(chain.chainId);
      const head = BigInt(chain.blocks.length - 1);
      const base: { number: bigint; hash: Hex } | null = stored ? { number: stored.blockNumber, hash: stored.blockHash } : null;
      let rewindTo: { number: bigint; hash: Hex } | undefined;
      if (base && chain.blocks[Number(base.number)]?.hash !== base.hash) {
        const recorded = await cursors.getBlocks(chain.chainId, 0n, base.number);
        const ancestor = [...recorded].reverse().find((block) => chain.blocks[Number(block.blockNumber)]?.hash === block.blockHash);
        if (!ancestor) throw new Error(`No common ancestor on chain ${chain.chainId}: the reorg is deeper than the stored blocks`);
        rewindTo = { number: ancestor.blockNumber, hash: ancestor.blockHash };
      }
      const from = (rewindTo ?? base)?.number ?? -1n;
      const to = from + BigInt(STEP_BLOCKS) < head ? from + BigInt(STEP_BLOCKS) : head;
      if (to <= from && !rewindTo) return;
      const blocks = chain.blocks.slice(Number(from) + 1, Number(to) + 1);
      const watchList = {
        size: chain.watched.size,
        has: (address: string) => chain.watched.has(address),
        paymentIdOf: (address: string) => chain.watched.get(address),
        maxRequiredConfirmations: chain.local.config.confirmations,
        version: 1,
      };
      await recorder.record({
        chain: config.chains.find((candidate) => candidate.chainId === chain.chainId)!,
        cursor: base,
        rewindTo,
        range: blocks.length > 0 ? { fromBlock: blocks[0]!.number, toBlock: blocks[blocks.length - 1]!.number, blocks, transfers: blocks.flatMap((block) => chain.transfers.get(block.number) ?? []) } : null,
        watchList,
      });
      figures.watcherSteps++;
    };

    const expire = async (): Promise<void> => {
      const { timedOut } = await expiry.runOnce(now);
      figures.timedOut += timedOut.length;
      figures.expiryRuns++;
    };

    const check = async (round: number): Promise<void> => {
      const stored = await new PaymentsRepository(kit.db.dataSource).findManyByIdsUnscoped(payments.map((payment) => payment.id));
      const transfers = await new TransfersRepository(kit.db.dataSource).listByPayments(stored.map((payment) => payment.id));
      const heads = await new ChainCursorsRepository(kit.db.dataSource).heads(chains.map((chain) => chain.chainId));
      const built = await objects.buildMany(stored);
      const events = await selectRows<{ payment_id: string; type: string }>(
        kit.db.dataSource.manager,
        `SELECT payment_id, type FROM events WHERE payment_id = ANY($1) ORDER BY created_at, id`,
        [stored.map((payment) => payment.id)],
      );
      const eventsOf = new Map<string, string[]>();
      for (const event of events) eventsOf.set(event.payment_id, [...(eventsOf.get(event.payment_id) ?? []), event.type]);
      const faults: string[] = [];
      stored.forEach((payment, i) => {
        const object = built[i]!;
        const selected = object.options.filter((option) => option.selected);
        if (selected.length !== 1 || selected[0]!.amountReceivedBaseUnits !== object.amountReceivedBaseUnits) {
          faults.push(`${payment.id} ${payment.status}: amountReceived ${object.amountReceivedBaseUnits}, selected options ${JSON.stringify(selected.map((option) => [option.chainId, option.amountReceivedBaseUnits]))}`);
        }
        if (!isFinal(payment.status)) {
          const evaluation = evaluatePayment(payment, transfers.get(payment.id) ?? [], heads);
          const expected = { status: evaluation.status, exception: evaluation.exception, amountReceived: evaluation.sums.confirmed, chainId: evaluation.option.chainId };
          const actual = { status: payment.status, exception: payment.exception, amountReceived: payment.amountReceived, chainId: payment.chainId };
          if (JSON.stringify(expected, big) !== JSON.stringify(actual, big) || !sameOption(evaluation.option, payment)) {
            faults.push(`${payment.id}: stored ${JSON.stringify(actual, big)}, the lifecycle computes ${JSON.stringify(expected, big)}`);
          }
        }
        const types = eventsOf.get(payment.id) ?? [];
        const finals = types.filter((type) => type === 'payment.paid' || type === 'payment.timeout' || type === 'payment.canceled');
        const finalEvent = { PAID: 'payment.paid', TIMEOUT: 'payment.timeout', CANCELED: 'payment.canceled' }[payment.status as string];
        if (finals.length > 1 || (finalEvent && finals[0] !== finalEvent) || (!finalEvent && finals.length > 0)) {
          faults.push(`${payment.id} ${payment.status}: final events ${JSON.stringify(finals)}`);
        }
        const last = finals.length > 0 ? types.indexOf(finals[0]!) : types.length;
        if (types.slice(last).includes('payment.pending') || (types.includes('payment.reorged') && types.indexOf('payment.reorged') < types.indexOf('payment.paid'))) {
          faults.push(`${payment.id}: events out of causal order ${JSON.stringify(types)}`);
        }
      });
      if (faults.length > 0) throw new Error(`Round ${round} (seed ${SEED}): ${faults.length} payment(s) disagree with their transfers:\n${faults.slice(0, 10).join('\n')}`);
    };

    for (let round = 1; round <= ROUNDS; round++) {
      now = new Date(start + round * ROUND_SECONDS * 1000);
      for (const chain of chains) {
        if (rng() < 0.85) extend(chain);
        // Reorgs of 1 to 3 blocks, within what both watchers keep (finalityDepth).
        if (round < ROUNDS - 10 && rng() < 0.12 && chain.blocks.length > 4) reorg(chain, 1 + Math.floor(rng() * 3));
      }
      // A random subset of the three writers, run at once.
      const actions = [rng() < 0.8 ? watch(chainA) : null, rng() < 0.8 ? watch(chainB) : null, rng() < 0.5 ? expire() : null].filter((action) => action !== null);
      await Promise.all(actions).catch((error: { detail?: string; query?: string; message: string }) => { throw new Error(`${error.message}\n${error.detail}\n${error.query?.slice(0, 300)}`); });
      figures.rounds++;
      if (actions.length > 1) figures.concurrentRounds++;
      await check(round);
    }

    // Both chains settle and every deadline and grace period passes: every payment ends final.
    for (let i = 0; i < 6; i++) for (const chain of chains) extend(chain);
    now = new Date(start + (ROUNDS * ROUND_SECONDS + 3600) * 1000);
    for (let i = 0; i < 4; i++) await Promise.all([watch(chainA), watch(chainB)]);
    for (let i = 0; i < 6; i++) await expire();
    await check(ROUNDS + 1);
    const final = await new PaymentsRepository(kit.db.dataSource).findManyByIdsUnscoped(payments.map((payment) => payment.id));
    expect(final.filter((payment) => !isFinal(payment.status)).map((payment) => payment.id)).toEqual([]);
    const paid = final.filter((payment) => payment.status === 'PAID');
    expect(paid.length).toBeGreaterThan(20);
    expect(final.filter((payment) => payment.status === 'TIMEOUT').length).toBeGreaterThan(20);
    expect(new Set(paid.map((payment) => payment.chainId)).size).toBe(2);
    expect(chainA.reorgs).toBeGreaterThan(0);
    expect(chainB.reorgs).toBeGreaterThan(0);
    expect(figures.concurrentRounds).toBeGreaterThan(ROUNDS / 2);
    console.log(
      `Stress (seed ${SEED}): ${PAYMENTS} payments, ${figures.rounds} rounds (${figures.concurrentRounds} with concurrent writers), ${figures.watcherSteps} watcher steps, ` +
        `${figures.expiryRuns} expiry runs, ${figures.transfers} transfers, reorgs ${chainA.reorgs} on chain ${chainA.chainId} and ${chainB.reorgs} on chain ${chainB.chainId}; ` +
        `ended ${paid.length} PAID (${paid.filter((payment) => payment.chainId === chainB.chainId).length} on chain ${chainB.chainId}), ${final.length - paid.length} TIMEOUT`,
    );
  }, 600_000);
});

const big = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);
