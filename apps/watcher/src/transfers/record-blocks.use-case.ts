import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { checksumLowercase, type ScannedRange, type ScannedTransfer } from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import { type Address, BALANCE_CREDIT_LOG_INDEX, type Hex, KassaError, type Payment, paymentOptionsOf, type Transfer } from '@kassa/domain';
import { ChainCursorsRepository, inSendOrder, type RecordedTransfer, runSql, type StoredTransfers, TransfersRepository } from '@kassa/persistence';

import { chainLockKey } from '../leadership/chain-leadership';
import { ReevaluatePayments, type SettlementPolicies, youngTransfersFrom } from '../payments/reevaluate-payments.use-case';
import type { ChainWatchList } from '../watched-addresses/watched-addresses.service';

/** A block the follower stands on: the last stored block, or a reorg's common ancestor. */
export interface BlockRef {
  number: bigint;
  hash: Hex;
}

/** One step of a chain's follower, stored atomically by {@link RecordBlocks}. */
export interface BlockStep {
  chain: ChainConfig;
  /** The cursor the follower believes is stored (null before the chain's first block). */
  cursor: BlockRef | null;
  /** After a reorg: the common ancestor; stored transfers and blocks above it are orphaned first. */
  rewindTo?: BlockRef;
  /** Blocks read after `rewindTo ?? cursor`, linked to it by parent hash; null for a rewind only. */
  range: ScannedRange | null;
  /** Who the watched addresses belong to. */
  watchList: ChainWatchList;
  /**
   * The epoch of the leader writing (`LeaderLease.epoch`): the step is refused when
   * another watcher has taken the chain since. Omitted by writers that lead nothing.
   */
  leaderEpoch?: bigint;
  /**
   * The node's finalized block (chains with `finalizedTag`): stored hashes are kept from it up
   * when it is deeper than `finalityDepth`. Omitted: `finalityDepth` alone.
   */
  finalized?: bigint | null;
}

/** Transfers found on a second read of stored blocks ({@link RecordBlocks.recordFound}): `range` lies at or below `cursor`. */
export type FoundStep = Omit<BlockStep, 'rewindTo' | 'finalized' | 'cursor' | 'range'> & { cursor: BlockRef; range: ScannedRange };

/** What one stored step did. */
export interface RecordedStep {
  /** The new cursor: the range's last block, or the ancestor after a rewind only. */
  cursor: BlockRef;
  /** Transfers stored for the first time. */
  newTransfers: number;
  /** Payments whose transfers were orphaned by the rewind. */
  orphanedPayments: number;
  /** Payments re-evaluated (touched, PENDING, or with transfers near the confirmation threshold). */
  evaluatedPayments: number;
  /** Payments whose stored state changed. */
  changedPayments: number;
  /** The payments this step made PAID. */
  paidPaymentIds: string[];
  /** When what it stored happened, for the watcher's metrics (nothing read back). */
  times: StepTimes;
}

/**
 * The times a stored step knows of what it wrote, which `kassa_transfer_record_delay_seconds`
 * and `kassa_payment_time_to_paid_seconds` measure (docs/operations.md "Metrics").
 */
export interface StepTimes {
  /** The `created_at` of the transfers it stored first (PostgreSQL's `now()` in its transaction); null when it stored none. */
  recordedAt: Date | null;
  /** The block timestamps of the transfers it stored first, one per transfer (whole seconds, from the blocks' headers). */
  newTransferBlockTimes: Date[];
  /** The `paid_at` it wrote (the watcher's clock), for every payment of `paidPaymentIds`. */
  paidAt: Date;
  /**
   * Of `paidPaymentIds`, the payments whose every stored transfer this step stored first:
   * their first transfer was recorded at `recordedAt`. For the others it is read back.
   */
  paidOnFirstTransfers: string[];
}

/** Another writer moved the chain's cursor: the follower re-reads where it stands. */
export class CursorMovedError extends KassaError<'cursor_moved'> {
  readonly code = 'cursor_moved' as const;

  constructor(chainId: number) {
    super(`The cursor of chain ${chainId} moved under this follower (another watcher wrote it)`);
  }
}

/** This watcher no longer leads the chain: another took it (a newer leader epoch). It stops writing. */
export class LeadershipLostError extends KassaError<'leadership_lost'> {
  readonly code = 'leadership_lost' as const;

  constructor(chainId: number, epoch: bigint, current: bigint | null) {
    super(`This watcher no longer leads chain ${chainId}: it took epoch ${epoch}, the chain is at epoch ${current ?? 'none'}`);
  }
}

/**
 * Transaction-scoped lock key serialising a chain's writers (beside the session lock of
 * leadership): `pg_advisory_xact_lock(CHAIN_WRITE_LOCK_KEY, chainLockKey(chainId))`.
 */
export const CHAIN_WRITE_LOCK_KEY = 0x4b535758;

/**
 * A write transaction of a chain is short and never waits on the network: PostgreSQL ends
 * one that stays idle this long (a watcher that hangs mid-transaction), so its locks do not
 * keep the next leader from writing.
 */
const WRITE_IDLE_TIMEOUT_MS = 10_000;

/**
 * Stores one step of a chain in ONE transaction (DESIGN.md "Chain watcher"): after a reorg
 * the orphaning of the abandoned branch, then the range's transfers (one multi-row insert,
 * idempotent on `(chainId, txHash, logIndex)`), the blocks' hashes within `finalityDepth`,
 * the cursor, and the re-evaluation of the affected payments with their events. A crash
 * at any point leaves either all of it or none of it, so the cursor never runs ahead of
 * the stored transfers and a re-scan after a crash stores nothing twice.
 *
 * The transaction is fenced: it serialises on a per-chain transaction lock, checks that
 * the writer's leader epoch is still the chain's (share-locking it, so no new leader takes
 * the chain until the transaction ends) and that the stored cursor is the one the follower
 * started from, so a watcher that lost the lead (it hung and was replaced, or its lock
 * connection was lost mid-step) cannot write, and two writers never interleave.
 */
@Injectable()
export class RecordBlocks {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cursors: ChainCursorsRepository,
    private readonly transfers: TransfersRepository,
    private readonly reevaluate: ReevaluatePayments,
  ) {}

  /**
   * @throws LeadershipLostError when `step.leaderEpoch` is no longer the chain's
   * @throws CursorMovedError when the stored cursor is not `step.cursor`
   * @throws Error when the range does not continue `rewindTo ?? cursor` (a caller bug)
   * @throws the database error (the transaction is rolled back)
   */
  async record(step: BlockStep): Promise<RecordedStep> {
    const chainId = step.chain.chainId;
    const base = step.rewindTo ?? step.cursor;
    const first = step.range?.blocks[0];
    if (first && base && first.parentHash !== base.hash) {
      throw new Error(`Block ${first.number} of chain ${chainId} does not follow block ${base.number}`);
    }
    const last = step.range?.blocks[step.range.blocks.length - 1];
    const cursor: BlockRef | undefined = last ? { number: last.number, hash: last.hash } : step.rewindTo;
    if (!cursor) throw new Error(`Nothing to record for chain ${chainId}`);

    const confirmations = Math.max(step.chain.confirmations, step.watchList.maxRequiredConfirmations);
    const previousHead = (step.rewindTo ?? step.cursor)?.number ?? null;
    const attributed = this.attribute(step);
    return this.dataSource.transaction(async (manager) => {
      // Every transfer above the rewind's ancestor is orphaned; those above `young` may cross their confirmations.
      const young = youngTransfersFrom({ previousHead, head: cursor.number, confirmations });
      const fromBlock = step.rewindTo && step.rewindTo.number + 1n < young ? step.rewindTo.number + 1n : young;
      // Started together, so a pipelining pool sends them in one round trip; PostgreSQL runs
      // them in this order, each statement seeing what the ones before wrote. None depends on
      // another's answer: when the fence fails, the transaction is rolled back with all of them.
      const [, payments, orphanedIds] = await inSendOrder(
        this.fence(manager, chainId, step.cursor, step.leaderEpoch),
        this.reevaluate.lockPayments(manager, chainId, fromBlock, attributed.flatMap(({ paymentId }) => (paymentId === null ? [] : [paymentId]))),
        step.rewindTo ? this.orphanAbove(manager, chainId, step.rewindTo.number) : Promise.resolve([]),
        this.cursors.advance(
          manager,
          chainId,
          (step.range?.blocks ?? []).map((block) => ({
            blockNumber: block.number,
            blockHash: block.hash,
            parentHash: block.parentHash,
            timestamp: block.timestamp,
          })),
          { blockNumber: cursor.number, blockHash: cursor.hash },
          keptFrom(cursor.number, step.chain.finalityDepth, step.finalized ?? null),
        ),
      );
      // The transfers need the locked payments' stored addresses; the policies read travels with them.
      const policies = this.reevaluate.readPolicies(manager, payments);
      const [, inserted] = await inSendOrder(
        policies,
        this.transfers.insertReportingStored(
          manager,
          withStoredRecipients(attributed, payments),
          payments.map((payment) => payment.id),
        ),
      );
      return this.evaluate(manager, payments, chainId, cursor, inserted, orphanedIds, policies);
    });
  }

  /** Re-evaluates the locked payments after a step's transfers are stored, and sums the step up. */
  private async evaluate(
    manager: EntityManager,
    payments: readonly Payment[],
    chainId: number,
    cursor: BlockRef,
    { recorded, withStoredTransfers, recordedAt }: StoredTransfers,
    orphanedIds: readonly string[],
    policies?: Promise<SettlementPolicies>,
  ): Promise<RecordedStep> {
    const fresh = recorded.filter((record) => record.isNew).map((record) => record.transfer);
    const whole = wholeTransfers(recorded, withStoredTransfers);
    const now = new Date();
    const { evaluated, changed, paid } = await this.reevaluate.afterStep(
      manager,
      payments,
      { chainId, head: cursor.number, newTransfers: byPayment(fresh), wholeTransfers: whole, now },
      policies,
    );
    return {
      cursor,
      newTransfers: fresh.length,
      orphanedPayments: orphanedIds.length,
      evaluatedPayments: evaluated,
      changedPayments: changed,
      paidPaymentIds: paid,
      times: {
        recordedAt,
        newTransferBlockTimes: fresh.map((transfer) => transfer.blockTimestamp),
        paidAt: now,
        paidOnFirstTransfers: paid.filter((id) => whole.has(id)),
      },
    };
  }

  /**
   * Stores transfers found on a second read of blocks the chain already stored (blocks read
   * before the list held their deposit address: docs/watcher.md "Watched addresses"), in ONE
   * transaction fenced as {@link record}: the cursor and the stored blocks stay as they are
   * (the caller checked that the blocks read are the stored ones, and a write to the stored
   * blocks moves the cursor, so the fence keeps that true), the transfers are inserted
   * (idempotent, as always) and their payments re-evaluated with their events, confirmations
   * counted up to the cursor. A transfer to a payment already final is a late transfer.
   * A transfer in a block at or before a balance credit of its payment in the same coin
   * (docs/watcher.md "Balance credits") is not stored: the credit is the deposit balance at
   * its block less the transfers recorded then, so it already counts that transfer's value.
   * @param step `range` lies at or below `step.cursor`, its blocks as stored
   * @throws LeadershipLostError; CursorMovedError when the stored cursor is not `step.cursor`
   * @throws the database error (the transaction is rolled back)
   */
  async recordFound(step: FoundStep): Promise<RecordedStep> {
    const chainId = step.chain.chainId;
    const { cursor } = step;
    if (step.range.toBlock > cursor.number) throw new Error(`Blocks ${step.range.fromBlock}..${step.range.toBlock} of chain ${chainId} are not all stored`);
    const found = this.attribute(step);
    return this.dataSource.transaction(async (manager) => {
      // Only the payments paid by what was found: no transfer of another changed. Sent
      // together as in `record`; their transfers are read after they are locked.
      const touched = found.flatMap(({ paymentId }) => (paymentId === null ? [] : [paymentId]));
      const [, payments, stored] = await inSendOrder(
        this.fence(manager, chainId, cursor, step.leaderEpoch),
        this.reevaluate.lockPayments(manager, chainId, cursor.number + 1n, touched),
        this.transfers.listByPayments(touched, manager),
      );
      const attributed = withoutCredited(found, stored);
      const inserted = await this.transfers.insertReportingStored(
        manager,
        withStoredRecipients(attributed, payments),
        payments.map((payment) => payment.id),
      );
      return this.evaluate(manager, payments, chainId, cursor, inserted, []);
    });
  }

  /**
   * Records the chain's genesis hash when none is recorded yet (its first step, or a
   * database from before identities were kept).
   * @param leaderEpoch the writing leader's epoch (fencing, as in {@link record})
   * @returns the recorded genesis hash: `genesisHash`, or the one recorded before (compare!)
   * @throws LeadershipLostError when `leaderEpoch` is no longer the chain's
   */
  async adoptIdentity(chainId: number, genesisHash: Hex, leaderEpoch?: bigint): Promise<Hex> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockChain(manager, chainId);
      if (leaderEpoch !== undefined) assertLeader(chainId, leaderEpoch, await this.cursors.leaderEpoch(manager, chainId));
      const recorded = await this.cursors.identity(chainId, manager);
      if (recorded !== null) return recorded;
      await this.cursors.saveIdentity(manager, chainId, genesisHash);
      return genesisHash;
    });
  }

  /**
   * Forgets everything Kassa knew of a chain whose node now serves another one (DESIGN.md
   * "Trusting the chain"), in ONE transaction: every active transfer of the chain is
   * orphaned (its block is on no chain the node serves, so it never counts again), the
   * cursor and stored blocks go, `genesisHash` becomes the chain's identity, and the
   * payments that had those transfers are re-evaluated with their events: an open payment
   * goes back to CREATED (it can still be paid on the new chain), a PAID one gets exception
   * REORGED and `payment.reorged` (its money is gone with the old chain).
   * @param expected the cursor the caller saw stored (fencing, as in {@link record})
   * @param genesisHash the new chain's genesis hash; null forgets the identity too (the
   *   watcher records its node's genesis when it next starts: `kassa chain forget`)
   * @param leaderEpoch the writing leader's epoch; omitted by the operator's `kassa chain forget`
   * @returns the payments whose transfers were orphaned
   * @throws LeadershipLostError when `leaderEpoch` is no longer the chain's
   * @throws CursorMovedError when the stored cursor is not `expected`
   */
  async forgetHistory(chainId: number, expected: BlockRef | null, genesisHash: Hex | null, leaderEpoch?: bigint): Promise<{ orphanedPayments: number }> {
    return this.dataSource.transaction(async (manager) => {
      await this.fence(manager, chainId, expected, leaderEpoch);
      const payments = await this.reevaluate.lockPayments(manager, chainId, 0n, []);
      const orphanedIds = await this.transfers.orphanFromBlock(manager, chainId, 0n);
      await this.cursors.forget(manager, chainId);
      if (genesisHash) await this.cursors.saveIdentity(manager, chainId, genesisHash);
      else await this.cursors.forgetIdentity(manager, chainId);
      await this.reevaluate.afterStep(manager, payments, { chainId, head: 0n, newTransfers: new Map(), wholeTransfers: new Map(), now: new Date() });
      return { orphanedPayments: orphanedIds.length };
    });
  }

  /**
   * Takes the chain's write lock, then checks the leader epoch and the stored cursor: two
   * statements, both started before this returns (see {@link record}).
   * @throws LeadershipLostError, CursorMovedError
   */
  private async fence(manager: EntityManager, chainId: number, expected: BlockRef | null, leaderEpoch: bigint | undefined): Promise<void> {
    const [, { leaderEpoch: current, cursor: stored }] = await inSendOrder(this.lockChain(manager, chainId), this.cursors.writerState(manager, chainId));
    if (leaderEpoch !== undefined) assertLeader(chainId, leaderEpoch, current);
    const same = stored === null ? expected === null : expected !== null && stored.blockNumber === expected.number && stored.blockHash === expected.hash;
    if (!same) throw new CursorMovedError(chainId);
  }

  /**
   * Serialises the chain's writers (a transaction lock) and bounds the transaction's idle
   * time, in one statement. What the writer then reads must come from a later statement.
   */
  private async lockChain(manager: EntityManager, chainId: number): Promise<void> {
    await runSql(
      manager,
      `SELECT set_config('idle_in_transaction_session_timeout', $1, true), pg_advisory_xact_lock($2, $3)`,
      [`${WRITE_IDLE_TIMEOUT_MS}ms`, CHAIN_WRITE_LOCK_KEY, chainLockKey(chainId)],
      { prepared: true },
    );
  }

  /** Orphans the transfers and forgets the block hashes above the common ancestor. */
  private async orphanAbove(manager: EntityManager, chainId: number, ancestor: bigint): Promise<string[]> {
    const [orphaned] = await inSendOrder(this.transfers.orphanFromBlock(manager, chainId, ancestor + 1n), this.cursors.deleteFrom(manager, chainId, ancestor + 1n));
    return orphaned;
  }

  /** The range's transfers with the payment each pays (null when its address left the list since the scan). */
  private attribute(step: Pick<BlockStep, 'range' | 'watchList'>): { transfer: ScannedTransfer; paymentId: string | null }[] {
    return (step.range?.transfers ?? []).map((transfer) => ({ transfer, paymentId: step.watchList.paymentIdOf(transfer.to) ?? null }));
  }
}

/**
 * The found transfers less those whose value a balance credit of their payment already
 * counts: an active credit (`BALANCE_CREDIT_LOG_INDEX`) in the same coin on the same chain,
 * at the transfer's block or later. The credit was the deposit address's balance at its
 * block less the transfers recorded then, and the balance held this transfer's value.
 */
function withoutCredited(
  found: readonly { transfer: ScannedTransfer; paymentId: string | null }[],
  stored: ReadonlyMap<string, readonly Transfer[]>,
): { transfer: ScannedTransfer; paymentId: string | null }[] {
  return found.filter(({ transfer, paymentId }) => {
    const credits = (paymentId === null ? [] : (stored.get(paymentId) ?? [])).filter(
      (credit) => credit.logIndex === BALANCE_CREDIT_LOG_INDEX && credit.status === 'active' && credit.chainId === transfer.chainId,
    );
    return !credits.some(
      (credit) => credit.blockNumber >= transfer.blockNumber && credit.tokenAddress?.toLowerCase() === transfer.tokenAddress?.toLowerCase(),
    );
  });
}

/** @throws LeadershipLostError when the chain's stored epoch is no longer `leaderEpoch` (another watcher took it) */
function assertLeader(chainId: number, leaderEpoch: bigint, current: bigint | null): void {
  if (current !== leaderEpoch) throw new LeadershipLostError(chainId, leaderEpoch, current);
}

/**
 * The transfers to store, each as its row will read: the recipient written as its
 * payment's stored deposit address (EIP-55, as the API created it) when the locked payment
 * has that address, else checksummed from the chain's lowercase form (one keccak256).
 */
function withStoredRecipients(attributed: readonly { transfer: ScannedTransfer; paymentId: string | null }[], payments: readonly Payment[]): Transfer[] {
  const stored = new Map<string, Address>();
  for (const payment of payments) {
    for (const option of paymentOptionsOf(payment)) stored.set(option.depositAddress.toLowerCase(), option.depositAddress);
  }
  return attributed.map(({ transfer, paymentId }) => ({
    chainId: transfer.chainId,
    txHash: transfer.txHash,
    logIndex: transfer.logIndex,
    blockNumber: transfer.blockNumber,
    blockHash: transfer.blockHash,
    blockTimestamp: transfer.blockTimestamp,
    from: transfer.from,
    to: stored.get(transfer.to) ?? checksumLowercase(transfer.to),
    tokenAddress: transfer.tokenAddress,
    amount: transfer.amount,
    paymentId,
    status: 'active',
  }));
}

/**
 * The payments whose every stored transfer this step holds, with those transfers in chain
 * order: payments that had none stored before the step (`withStoredTransfers` says which
 * had) and whose every transfer in it was new, so stored as given. A transfer stored
 * before (seen again after a crash or a reorg) may have been moved or kept another
 * payment: its payment is read back instead.
 */
function wholeTransfers(recorded: readonly RecordedTransfer[], withStoredTransfers: ReadonlySet<string>): Map<string, Transfer[]> {
  const readBack = new Set(withStoredTransfers);
  for (const { transfer, isNew } of recorded) if (!isNew && transfer.paymentId !== null) readBack.add(transfer.paymentId);
  const whole = byPayment(recorded.map(({ transfer }) => transfer).filter((transfer) => transfer.paymentId !== null && !readBack.has(transfer.paymentId)));
  for (const list of whole.values()) list.sort(inChainOrder);
  return whole;
}

/** Chain order, as stored transfers are read: block, then log index, then transaction hash. */
function inChainOrder(a: Transfer, b: Transfer): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  if (a.logIndex !== b.logIndex) return a.logIndex - b.logIndex;
  return a.txHash < b.txHash ? -1 : a.txHash > b.txHash ? 1 : 0;
}

/**
 * The lowest block whose hash is kept: `finalityDepth` blocks below the cursor, or the
 * finalized block when it is deeper (so a reorg of any block not yet final finds its common
 * ancestor among the stored hashes).
 */
export function keptFrom(cursor: bigint, finalityDepth: number, finalized: bigint | null): bigint {
  const byDepth = cursor - BigInt(finalityDepth) + 1n;
  return finalized !== null && finalized < byDepth ? finalized : byDepth;
}

/** `transfers` by their payment (transfers without a payment are left out). */
function byPayment(transfers: readonly Transfer[]): Map<string, Transfer[]> {
  const grouped = new Map<string, Transfer[]>();
  for (const transfer of transfers) {
    if (!transfer.paymentId) continue;
    const list = grouped.get(transfer.paymentId);
    if (list) list.push(transfer);
    else grouped.set(transfer.paymentId, [transfer]);
  }
  return grouped;
}
