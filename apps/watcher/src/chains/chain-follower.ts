import { Logger } from '@nestjs/common';

import {
  BlockFollowerError,
  ChainChangedDuringScanError,
  findCommonAncestor,
  ReorgTooDeepError,
  sleep,
  type BlockScanner,
  type HeadSource,
} from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import type { Hex } from '@kassa/domain';
import type { ChainCursorsRepository } from '@kassa/persistence';

import type { ChainLeadership } from '../leadership/chain-leadership';
import { CursorMovedError, type BlockRef, type RecordBlocks } from '../transfers/record-blocks.use-case';
import type { ChainWatchList, WatchedAddressesService } from '../watched-addresses/watched-addresses.service';
import type { WatcherOptions } from '../watcher.options';

/** Where a follower is: what it does now, as shown in health and metrics. */
export type FollowerState =
  /** Not started, or stopped. */
  | 'stopped'
  /** Another watcher holds the chain's lock. */
  | 'standby'
  /** Leader, waiting for the watched addresses to be live (LISTEN up, list loaded). */
  | 'waiting'
  /** Leader, following the chain. */
  | 'following'
  /** Leader, retrying after an RPC or database error. */
  | 'degraded'
  /** Leader, stopped by a reorg deeper than the stored blocks: an operator must look. */
  | 'stalled';

/** A snapshot of a follower, for health checks, metrics and tests. */
export interface ChainFollowerStatus {
  chainId: number;
  state: FollowerState;
  /** Latest head the node reported. */
  head: bigint | null;
  /** Last stored block. */
  cursor: bigint | null;
  lastError: string | null;
  /** When the cursor last moved. */
  lastProgressAt: Date | null;
}

/** What a chain's follower works with; one set per chain, shared with no other chain. */
export interface ChainFollowerDeps {
  chain: ChainConfig;
  scanner: BlockScanner;
  heads: HeadSource;
  leadership: ChainLeadership;
  watched: WatchedAddressesService;
  recorder: RecordBlocks;
  cursors: ChainCursorsRepository;
  options: WatcherOptions;
}

/** The stored cursor (null before the chain's first block) and the next block to read. */
interface Position {
  cursor: BlockRef | null;
  next: bigint;
}

/** How many failures in a row are logged as warnings before only every tenth is. */
const LOUD_FAILURES = 3;

/**
 * Follows one chain (DESIGN.md "Chain watcher"): once it leads the chain, it starts from
 * the stored cursor (or `startBlock`, or the current head when nothing is stored), reads
 * blocks in order up to the head in ranges of at most `maxBlocksPerScan` blocks, stores
 * each range atomically ({@link RecordBlocks}), then waits for new heads. It never skips a
 * block: the next range always starts right after the stored cursor and must link to it by
 * parent hash.
 *
 * Reorgs: a range whose first block does not link to the stored cursor, or a head at the
 * cursor's height with another hash, makes the follower walk back
 * through the stored block hashes to the common ancestor, read the new branch from there,
 * and store the rewind and the new blocks in one transaction.
 *
 * Failures (RPC, database) are retried with exponential back-off; they affect this chain
 * only. A reorg deeper than the stored blocks stalls the chain with an error log.
 */
export class ChainFollower {
  private readonly logger: Logger;
  private readonly watchList: ChainWatchList;
  private controller = new AbortController();
  private running?: Promise<void>;
  private current: ChainFollowerStatus;

  constructor(private readonly deps: ChainFollowerDeps) {
    this.logger = new Logger(`ChainFollower:${deps.chain.chainId}`);
    this.watchList = deps.watched.forChain(deps.chain.chainId);
    this.current = { chainId: deps.chain.chainId, state: 'stopped', head: null, cursor: null, lastError: null, lastProgressAt: null };
  }

  get chainId(): number {
    return this.deps.chain.chainId;
  }

  /** Starts following in the background; returns at once. Idempotent. */
  start(): void {
    if (this.running) return;
    this.controller = new AbortController();
    this.running = this.run(this.controller.signal).finally(() => {
      this.current = { ...this.current, state: 'stopped' };
    });
  }

  /** Stops after the step in progress (a transaction in flight commits or rolls back), releasing the lock. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
    this.running = undefined;
  }

  status(): ChainFollowerStatus {
    return { ...this.current };
  }

  private async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      this.update({ state: 'standby' });
      const lease = await this.deps.leadership.acquire(stop);
      if (!lease) return;
      try {
        await this.lead(AbortSignal.any([stop, lease.signal]));
      } finally {
        await lease.release();
      }
    }
  }

  /** Follows the chain until `signal` aborts (stopping, or the lock was lost). */
  private async lead(signal: AbortSignal): Promise<void> {
    let position: Position | null = null;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!this.deps.watched.isLive()) {
          this.update({ state: 'waiting' });
          if (!(await this.deps.watched.whenLive(signal))) return;
        }
        position ??= await this.initialPosition();
        const { next, idle } = await this.step(position);
        position = next;
        if (failures > 0) this.logger.log(`Chain ${this.chainId} recovered after ${failures} failed attempts`);
        failures = 0;
        this.update({ state: 'following', lastError: null });
        if (idle) await this.deps.heads.waitForNext(signal);
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        // The stored cursor is the truth: read it again before the next attempt.
        position = null;
        await sleep(this.onFailure(error, failures), signal);
      }
    }
  }

  /** Logs a failure and returns how long to wait before the next attempt. */
  private onFailure(error: unknown, failures: number): number {
    const message = describe(error);
    if (error instanceof ReorgTooDeepError) {
      this.update({ state: 'stalled', lastError: message });
      this.logger.error(`Chain ${this.chainId} stalled: ${message}`);
      return this.deps.options.maxBackoffMs;
    }
    this.update({ state: 'degraded', lastError: message });
    if (error instanceof CursorMovedError || error instanceof ChainChangedDuringScanError) {
      this.logger.warn(message);
      return this.deps.options.minBackoffMs;
    }
    const known = error instanceof BlockFollowerError;
    if (failures <= LOUD_FAILURES || failures % 10 === 0) {
      this.logger.warn(`Chain ${this.chainId} step failed (attempt ${failures}): ${message}`);
      if (!known && failures === 1 && error instanceof Error && error.stack) this.logger.debug(error.stack);
    }
    return Math.min(this.deps.options.minBackoffMs * 2 ** (failures - 1), this.deps.options.maxBackoffMs);
  }

  private async initialPosition(): Promise<Position> {
    const stored = await this.deps.cursors.get(this.chainId);
    if (stored) {
      this.update({ cursor: stored.blockNumber });
      return { cursor: { number: stored.blockNumber, hash: stored.blockHash }, next: stored.blockNumber + 1n };
    }
    const start = this.deps.chain.startBlock;
    const next = start !== undefined ? BigInt(start) : await this.deps.heads.latest();
    this.logger.log(`Chain ${this.chainId} has no stored cursor: starting at block ${next}`);
    return { cursor: null, next };
  }

  /**
   * One step: stores the next range up to the head, or checks the block the follower
   * stands on when there is nothing new.
   * @returns the new position, and whether the follower caught up (wait for a new head)
   */
  private async step(position: Position): Promise<{ next: Position; idle: boolean }> {
    const head = await this.deps.heads.latest();
    this.update({ head });
    if (head >= position.next) {
      const to = minBigInt(head, position.next + BigInt(this.deps.options.maxBlocksPerScan) - 1n);
      const range = await this.deps.scanner.scan(position.next, to, this.watchList);
      if (position.cursor && range.blocks[0]!.parentHash !== position.cursor.hash) {
        return { next: await this.reorg(position.cursor, head), idle: false };
      }
      const recorded = await this.deps.recorder.record({ chain: this.deps.chain, cursor: position.cursor, range, watchList: this.watchList });
      this.progressed(recorded.cursor);
      return { next: { cursor: recorded.cursor, next: recorded.cursor.number + 1n }, idle: to >= head };
    }
    if (position.cursor && head === position.cursor.number) {
      // Nothing new: the block stood on must still be canonical (a reorg that kept the height).
      // A head below the cursor is left alone: it is as likely a lagging node as a shorter
      // branch, and a real shorter branch shows on its next block (its parent hash differs).
      const tip = (await this.deps.scanner.headers([head])).get(head);
      if (tip && tip.hash !== position.cursor.hash) return { next: await this.reorg(position.cursor, head), idle: false };
    }
    return { next: position, idle: true };
  }

  /**
   * Handles a reorg below `cursor`: finds the common ancestor among the stored blocks,
   * reads the new branch from it (up to `maxBlocksPerScan` blocks) and stores the rewind
   * with the new blocks in one transaction.
   * @throws ReorgTooDeepError when no stored block is on the node's chain
   */
  private async reorg(cursor: BlockRef, head: bigint): Promise<Position> {
    const depth = BigInt(this.deps.chain.finalityDepth);
    const lowest = cursor.number - depth + 1n;
    const stored = await this.deps.cursors.getBlocks(this.chainId, lowest > 0n ? lowest : 0n, cursor.number);
    const ancestor = await findCommonAncestor(
      this.deps.scanner,
      stored.map((block) => ({ number: block.blockNumber, hash: block.blockHash })),
    );
    if (!ancestor) {
      throw new ReorgTooDeepError(
        `No stored block of chain ${this.chainId} (${stored.length} blocks up to ${cursor.number}) is on the node's chain: ` +
          `a reorg deeper than finalityDepth ${depth}, or the node was reset`,
      );
    }
    const base: BlockRef = { number: ancestor.number, hash: ancestor.hash as Hex };
    const to = minBigInt(head, base.number + BigInt(this.deps.options.maxBlocksPerScan));
    const range = to > base.number ? await this.deps.scanner.scan(base.number + 1n, to, this.watchList) : null;
    if (range && range.blocks[0]!.parentHash !== base.hash) {
      throw new ChainChangedDuringScanError(`Chain ${this.chainId} changed again while its reorg was being read`);
    }
    const recorded = await this.deps.recorder.record({ chain: this.deps.chain, cursor, rewindTo: base, range, watchList: this.watchList });
    this.logger.warn(
      `Reorg on chain ${this.chainId}: blocks ${base.number + 1n}..${cursor.number} replaced (depth ${cursor.number - base.number}); ` +
        `${recorded.orphanedPayments} payments had transfers orphaned`,
    );
    this.progressed(recorded.cursor);
    return { cursor: recorded.cursor, next: recorded.cursor.number + 1n };
  }

  private progressed(cursor: BlockRef): void {
    this.update({ cursor: cursor.number, lastProgressAt: new Date() });
  }

  private update(patch: Partial<ChainFollowerStatus>): void {
    this.current = { ...this.current, ...patch };
  }
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
