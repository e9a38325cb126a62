import { performance } from 'node:perf_hooks';

import { Logger } from '@nestjs/common';

import {
  BlockFollowerError,
  BlockNotAvailableError,
  ChainChangedDuringScanError,
  ChainIdentityMismatchError,
  findCommonAncestor,
  NodeBehindError,
  ReorgTooDeepError,
  sleep,
  type BlockScanner,
  type HeadSource,
  type HeadSourceMode,
  type RpcEndpoints,
  type ScannedBlock,
  type ScannedRange,
  type WatchedAddressFilter,
} from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import type { Hex } from '@kassa/domain';
import type { ChainBlock, ChainCursorsRepository, ChainStatusReport } from '@kassa/persistence';

import type { ChainLeadership } from '../leadership/chain-leadership';
import { CursorMovedError, keptFrom, LeadershipLostError, type BlockRef, type RecordBlocks, type RecordedStep } from '../transfers/record-blocks.use-case';
import type { ChainWatchList, LearntAddress, WatchedAddressesService } from '../watched-addresses/watched-addresses.service';
import type { WatcherOptions } from '../watcher.options';
import type { ChainStatusPublisher } from './chain-status.publisher';

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
  /**
   * Leader, stopped by a reorg deeper than the stored blocks, or by a node that serves
   * another chain (another genesis block): an operator must look.
   */
  | 'stalled';

/** A snapshot of a follower, for health checks, metrics and tests. */
export interface ChainFollowerStatus {
  chainId: number;
  state: FollowerState;
  /** How new heads are learnt now: `websocket` (newHeads) or `polling` (HTTP). */
  headSource: HeadSourceMode;
  /** Latest head the node reported, and the timestamp of that block (when read). */
  head: bigint | null;
  headBlockTime: Date | null;
  /** Last stored block, and its timestamp. */
  cursor: bigint | null;
  cursorBlockTime: Date | null;
  /** Position in the chain's `rpcUrls` of the URL reads go to now. */
  rpcUrlIndex: number;
  /** Times reads moved to another RPC URL. */
  rpcRotations: number;
  /** Blocks one `eth_getLogs` spans now (smaller after the node refused a range). */
  logRangeBlocks: number;
  /** Failed steps in a row; 0 while following. */
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** When the cursor last moved. */
  lastProgressAt: Date | null;
  /** What the last stored step did (null before the first). */
  lastStep: StepSummary | null;
}

/** One stored step of a follower, for metrics, benchmarks and tests. */
export interface StepSummary {
  /** Blocks stored (after a reorg: the new branch's blocks read in the step). */
  blocks: number;
  /** The new cursor. */
  toBlock: bigint;
  newTransfers: number;
  /** Payments re-evaluated: those the step touched, PENDING ones, those near their confirmations; never all open payments. */
  evaluatedPayments: number;
  changedPayments: number;
  /** Wall time of the step, reads and transaction, ms. */
  durationMs: number;
}

/** The part of the status the follower keeps itself (the rest is read from its parts). */
type FollowerProgress = Omit<ChainFollowerStatus, 'headSource' | 'rpcUrlIndex' | 'rpcRotations' | 'logRangeBlocks'>;

/** What a chain's follower works with; one set per chain, shared with no other chain. */
export interface ChainFollowerDeps {
  chain: ChainConfig;
  scanner: BlockScanner;
  heads: HeadSource;
  /** The RPC URL rotation of the chain's client (read for the status). */
  endpoints: RpcEndpoints;
  /** Builds the chain's status publisher around the follower's report. */
  publisher: (report: () => ChainStatusReport) => ChainStatusPublisher;
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

/**
 * Stored blocks read in one scan of this leader, begun at `startedAtMs` (ms since the epoch,
 * this process's clock) under the list's version `listVersion`. The blocks existed by then
 * (a scan reads up to a head or cursor known before it began), and it looked for the
 * addresses of that version of the list, or more.
 */
interface BlockRead extends ReadStart {
  from: bigint;
  to: bigint;
}

/** When a scan began and under which version of the watch list (see {@link BlockRead}); taken together, before the scan's first request. */
interface ReadStart {
  startedAtMs: number;
  listVersion: number;
}

/** How many failures in a row are logged as warnings before only every tenth is. */
const LOUD_FAILURES = 3;

/**
 * Follows one chain (DESIGN.md "Chain watcher"): once it leads the chain, it starts from
 * the stored cursor (or `startBlock`, or the current head when nothing is stored), reads
 * blocks in order up to the head in ranges of at most `maxBlocksPerScan` blocks, stores
 * each range atomically ({@link RecordBlocks}), then waits for new heads. While catching
 * up, the next range is read while the previous one is stored. It never skips a
 * block: the next range always starts right after the stored cursor and must link to it by
 * parent hash.
 *
 * Reorgs: a range whose first block does not link to the stored cursor, or a head at the
 * cursor's height with another hash, makes the follower walk back
 * through the stored block hashes to the common ancestor, read the new branch from there,
 * and store the rewind and the new blocks in one transaction.
 *
 * Failures (RPC, database) are retried with exponential back-off; they affect this chain
 * only, and make it `degraded` (logged, and written to `chain_status` for health checks)
 * until a step succeeds again. A reorg deeper than the stored blocks stalls the chain with
 * an error log.
 */
export class ChainFollower {
  private readonly logger: Logger;
  private readonly watchList: ChainWatchList;
  private readonly publisher: ChainStatusPublisher;
  private controller = new AbortController();
  private running?: Promise<void>;
  private current: FollowerProgress;
  private rotationsSeen = 0;
  /** The leader epoch of the lease this follower holds: every write carries it (fencing). */
  private leaderEpoch: bigint | undefined;
  /** The range after the one being stored, read meanwhile (catch-up only). */
  private readAhead: (ReadStart & { from: bigint; range: Promise<ScannedRange> }) | null = null;
  /** The head whose block time `current.headBlockTime` is. */
  private headTimeOf: bigint | null = null;
  /** The stored blocks this leader read, oldest first, for addresses learnt after ({@link lookForLearnt}). */
  private reads: BlockRead[] = [];
  /** Learnt addresses taken from the list and not yet looked for in the blocks read before. */
  private learnt: LearntAddress[] = [];
  /** The node's finalized block (chains with `finalizedTag`), read at most every `finalizedRefreshMs`. */
  private finalized: { number: bigint; hash: Hex; readAt: number } | null = null;

  constructor(private readonly deps: ChainFollowerDeps) {
    this.logger = new Logger(`ChainFollower:${deps.chain.chainId}`);
    this.watchList = deps.watched.forChain(deps.chain.chainId);
    this.current = {
      chainId: deps.chain.chainId,
      state: 'stopped',
      head: null,
      headBlockTime: null,
      cursor: null,
      cursorBlockTime: null,
      consecutiveFailures: 0,
      lastError: null,
      lastErrorAt: null,
      lastProgressAt: null,
      lastStep: null,
    };
    this.publisher = deps.publisher(() => this.report());
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
    const { endpoints, heads, scanner } = this.deps;
    return {
      ...this.current,
      headSource: heads.mode(),
      rpcUrlIndex: endpoints.current,
      rpcRotations: endpoints.rotations,
      logRangeBlocks: scanner.logSpan,
    };
  }

  /** The head source switched between WebSocket and polling: log it and report it. */
  headSourceChanged(mode: HeadSourceMode, reason: string): void {
    if (this.current.state === 'stopped' || this.current.state === 'standby') return;
    if (mode === 'websocket') this.logger.log(`Chain ${this.chainId} follows new heads by WebSocket (${reason})`);
    else this.logger.warn(`Chain ${this.chainId} polls for new heads over HTTP: ${reason}`);
    this.publisher.publish();
  }

  private report(): ChainStatusReport {
    const status = this.status();
    return {
      chainId: status.chainId,
      watcherId: this.deps.options.watcherId,
      state: status.state,
      headSource: status.headSource,
      headBlock: status.head,
      headBlockTime: status.headBlockTime,
      cursorBlock: status.cursor,
      cursorBlockTime: status.cursorBlockTime,
      rpcUrlIndex: status.rpcUrlIndex,
      rpcRotations: status.rpcRotations,
      consecutiveFailures: status.consecutiveFailures,
      lastError: status.lastError,
      lastErrorAt: status.lastErrorAt,
      logRangeBlocks: status.logRangeBlocks,
      lastProgressAt: status.lastProgressAt,
    };
  }

  private async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      this.update({ state: 'standby' });
      const lease = await this.deps.leadership.acquire(stop);
      if (!lease) return;
      this.update({ state: 'waiting' });
      this.leaderEpoch = lease.epoch;
      this.publisher.lead(lease.epoch);
      try {
        await this.lead(AbortSignal.any([stop, lease.signal]));
      } finally {
        this.leaderEpoch = undefined;
        this.deps.watched.collectLearnt(this.chainId, false);
        // A leader that stops on purpose records it while it still holds the lock; one that
        // lost the lock leaves the row to the new leader.
        if (stop.aborted) this.update({ state: 'stopped' });
        await this.publisher.stop(stop.aborted);
        await lease.release();
      }
    }
  }

  /** Follows the chain until `signal` aborts (stopping, or the lock was lost). */
  private async lead(signal: AbortSignal): Promise<void> {
    let position: Position | null = null;
    let atHead = false;
    let failures = 0;
    // The blocks stored before this leader began were read with the list of then (another
    // watcher's, or this one's before a restart): read once more with today's.
    let storedUnchecked = true;
    let collecting = false;
    this.reads = [];
    this.learnt = [];
    this.deps.watched.collectLearnt(this.chainId, false);
    while (!signal.aborted) {
      try {
        if (!this.deps.watched.isLive()) {
          this.update({ state: 'waiting' });
          if (!(await this.deps.watched.whenLive(signal))) return;
        }
        position ??= await this.initialPosition();
        if (storedUnchecked) {
          // From here on, an address the list learns is looked for in the blocks read before.
          if (!collecting) this.deps.watched.collectLearnt(this.chainId, (collecting = true));
          storedUnchecked = !(await this.checkStoredBlocks(position));
        }
        const { next, idle } = await this.step(position, atHead);
        position = next;
        atHead = idle;
        this.noteRotations();
        if (failures > 0) this.logger.log(`Chain ${this.chainId} recovered after ${failures} failed attempts`);
        failures = 0;
        this.update({ state: 'following', consecutiveFailures: 0 });
        // After the step, not before: the new blocks are stored without waiting for it.
        if (!storedUnchecked) await this.lookForLearnt(position);
        if (idle) await this.deps.heads.waitForNext(signal);
      } catch (error) {
        this.readAhead = null;
        atHead = false;
        if (signal.aborted) return;
        if (error instanceof LeadershipLostError) {
          // Another watcher took the chain while this one hung: stand by again.
          this.logger.warn(error.message);
          return;
        }
        failures++;
        this.noteRotations();
        // The stored cursor is the truth: read it again before the next attempt.
        position = null;
        await sleep(this.onFailure(error, failures), signal);
      }
    }
  }

  /** Logs moves to another RPC URL since the last step (never the URL: it may carry a key). */
  private noteRotations(): void {
    const { endpoints } = this.deps;
    if (endpoints.rotations === this.rotationsSeen) return;
    this.rotationsSeen = endpoints.rotations;
    const failure = endpoints.lastFailure;
    this.logger.warn(
      `Chain ${this.chainId}: RPC URL #${failure?.urlIndex ?? '?'} failed (${failure?.message ?? 'unknown'}); reading from RPC URL #${endpoints.current}`,
    );
    this.publisher.publish();
  }

  /** Logs a failure and returns how long to wait before the next attempt. */
  private onFailure(error: unknown, failures: number): number {
    const message = describe(error);
    const failed = { lastError: message, lastErrorAt: new Date(), consecutiveFailures: failures };
    if (error instanceof ReorgTooDeepError || error instanceof ChainIdentityMismatchError) {
      // One log line per cause: the follower checks again after every back-off.
      if (this.current.state !== 'stalled' || this.current.lastError !== message) this.logger.error(`Chain ${this.chainId} stalled: ${message}`);
      this.update({ state: 'stalled', ...failed });
      return this.deps.options.maxBackoffMs;
    }
    this.update({ state: 'degraded', ...failed });
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
    const identity = await this.verifyIdentity(stored ? { number: stored.blockNumber, hash: stored.blockHash } : null);
    if (stored && identity === 'same') {
      const [block] = await this.deps.cursors.getBlocks(this.chainId, stored.blockNumber, stored.blockNumber);
      this.update({ cursor: stored.blockNumber, cursorBlockTime: block?.timestamp ?? null });
      return { cursor: { number: stored.blockNumber, hash: stored.blockHash }, next: stored.blockNumber + 1n };
    }
    return this.freshPosition();
  }

  /** Where a chain with no stored cursor starts: `startBlock`, else the node's head. */
  private async freshPosition(): Promise<Position> {
    const start = this.deps.chain.startBlock;
    const next = start !== undefined ? BigInt(start) : await this.deps.heads.latest();
    this.logger.log(`Chain ${this.chainId} has no stored cursor: starting at block ${next}`);
    return { cursor: null, next };
  }

  /**
   * The hash of the node's genesis block.
   * @throws BlockNotAvailableError when the node has none; RpcReadError
   */
  private async nodeGenesisHash(): Promise<Hex> {
    const genesis = (await this.deps.scanner.headers([0n])).get(0n);
    if (!genesis) throw new BlockNotAvailableError(`The RPC node of chain ${this.chainId} has no genesis block`);
    return genesis.hash;
  }

  /**
   * Compares the node's genesis block with the chain's recorded identity (DESIGN.md
   * "Trusting the chain"), recording it on the chain's first step. A node of another chain
   * stalls the follower ({@link ChainIdentityMismatchError}) unless the chain is configured
   * `onNodeReset: 'forget'` (a development node): then the old chain's history is forgotten
   * ({@link RecordBlocks.forgetHistory}) and the follower starts afresh.
   * @returns 'same', or 'forgotten' when the stored cursor is gone
   * @throws ChainIdentityMismatchError; BlockNotAvailableError when the node has no genesis block
   */
  private async verifyIdentity(cursor: BlockRef | null): Promise<'same' | 'forgotten'> {
    const genesis = await this.nodeGenesisHash();
    const recorded = await this.deps.recorder.adoptIdentity(this.chainId, genesis, this.leaderEpoch);
    if (recorded === genesis) return 'same';
    if (this.deps.chain.onNodeReset !== 'forget') throw new ChainIdentityMismatchError(this.chainId, recorded, genesis);
    await this.forget(cursor, genesis, `restarted from genesis (node genesis ${genesis}, recorded ${recorded})`);
    return 'forgotten';
  }

  /** Forgets the chain's history (onNodeReset 'forget' only) and says so once. */
  private async forget(cursor: BlockRef | null, genesisHash: Hex, why: string): Promise<void> {
    const { orphanedPayments } = await this.deps.recorder.forgetHistory(this.chainId, cursor, genesisHash, this.leaderEpoch);
    this.reads = [];
    this.logger.warn(
      `Chain ${this.chainId} ${why}; onNodeReset is 'forget': its old history is forgotten, and the transfers of ` +
        `${orphanedPayments} payments on it no longer count`,
    );
    this.update({ cursor: null, cursorBlockTime: null });
  }

  /**
   * One step: stores the next range up to the head, or checks the block the follower
   * stands on when there is nothing new. At the head (`atHead`: the last step caught up),
   * when the next block was announced, its logs are asked right after the head, in the same
   * batch (a node that answers a batch in order then has the block when it reads its logs).
   * @returns the new position, and whether the follower caught up (wait for a new head)
   */
  private async step(position: Position, atHead: boolean): Promise<{ next: Position; idle: boolean }> {
    const started = performance.now();
    // Read before `latest()`, which marks every announced head as seen.
    const announced = atHead ? this.deps.heads.announced() : null;
    const latest = this.deps.heads.latest();
    if (announced?.number === position.next) this.deps.scanner.prefetchTransferLogs(announced, this.watchList);
    const head = await latest;
    this.update({ head });
    await this.refreshFinalized();
    if (head >= position.next) {
      const { range, ...start } = await this.readRange(position.next, head);
      if (position.cursor && range.blocks[0]!.parentHash !== position.cursor.hash) {
        this.readAhead = null;
        return { next: await this.reorg(position.cursor, head, started), idle: false };
      }
      const to = range.toBlock;
      // Catching up: the next range is read while this one is stored.
      if (to < head) this.startReadAhead(to + 1n, head);
      const recorded = await this.deps.recorder.record({
        chain: this.deps.chain,
        cursor: position.cursor,
        range,
        watchList: this.watchList,
        leaderEpoch: this.leaderEpoch,
        finalized: this.finalized?.number ?? null,
      });
      this.noteRead({ ...start, from: range.fromBlock, to: range.toBlock }, recorded.cursor);
      const last = range.blocks[range.blocks.length - 1]!;
      this.progressed(recorded.cursor, last.timestamp);
      await this.noteHeadTime(head, last);
      this.summarise(recorded, range.blocks.length, started);
      return { next: { cursor: recorded.cursor, next: recorded.cursor.number + 1n }, idle: to >= head };
    }
    // A head below the cursor is as likely a lagging node as a shorter branch, and a real
    // shorter branch shows on its next block (its parent hash differs): wait, loudly.
    if (position.cursor && head < position.cursor.number) throw new NodeBehindError(this.chainId, head, position.cursor.number);
    if (position.cursor && head === position.cursor.number) {
      // Nothing new: the block stood on must still be canonical (a reorg that kept the height).
      const tip = (await this.deps.scanner.headers([head])).get(head);
      if (tip && tip.hash !== position.cursor.hash) return { next: await this.reorg(position.cursor, head, started), idle: false };
      if (tip) await this.noteHeadTime(head, tip);
    }
    return { next: position, idle: true };
  }

  /**
   * Reads the node's finalized block on chains with `finalizedTag`, at most every
   * `finalizedRefreshMs` (default one call a minute, not one per block). A node that has none
   * (yet) leaves `finalityDepth` alone in charge.
   */
  private async refreshFinalized(): Promise<void> {
    if (!this.deps.chain.finalizedTag) return;
    if (this.finalized && performance.now() - this.finalized.readAt < this.deps.options.finalizedRefreshMs) return;
    const block = await this.deps.scanner.finalizedBlock();
    this.finalized = block ? { ...block, readAt: performance.now() } : null;
  }

  /**
   * Blocks `from..` up to the head (at most `maxBlocksPerScan`): the range read ahead when it
   * fits, else read now; with when its scan began (for {@link BlockRead}).
   */
  private async readRange(from: bigint, head: bigint): Promise<ReadStart & { range: ScannedRange }> {
    const ahead = this.readAhead;
    this.readAhead = null;
    // A range read under another watch list may lack a transfer to an address added since.
    if (ahead && ahead.from === from && ahead.listVersion === this.watchList.version) {
      return { startedAtMs: ahead.startedAtMs, listVersion: ahead.listVersion, range: await ahead.range };
    }
    const start = this.readStart();
    return { ...start, range: await this.scanSpan(from, head) };
  }

  private startReadAhead(from: bigint, head: bigint): void {
    const start = this.readStart();
    const range = this.scanSpan(from, head);
    // A failed read surfaces when the next step takes it; a range never taken is dropped quietly.
    range.catch(() => undefined);
    this.readAhead = { ...start, from, range };
  }

  /** Blocks `from..` up to `head`, at most `maxBlocksPerScan`, read with the watch list. */
  private scanSpan(from: bigint, head: bigint): Promise<ScannedRange> {
    return this.deps.scanner.scan(from, minBigInt(head, from + BigInt(this.deps.options.maxBlocksPerScan) - 1n), this.watchList);
  }

  /** Taken right before a scan's first request: see {@link BlockRead}. */
  private readStart(): ReadStart {
    return { startedAtMs: Date.now(), listVersion: this.watchList.version };
  }

  /**
   * Remembers that blocks `read.from..read.to`, now stored, were read with the list of
   * `read.startedAtMs`, and forgets the reads of blocks no longer stored (below the kept
   * hashes: a block there can no longer be checked against its stored hash).
   */
  private noteRead(read: BlockRead, cursor: BlockRef): void {
    const kept = keptFrom(cursor.number, this.deps.chain.finalityDepth, this.finalized?.number ?? null);
    this.reads = this.reads.filter((earlier) => earlier.to >= kept);
    this.reads.push(read);
  }

  /**
   * Reads once more, with the whole list of now, the stored blocks this leader did not read
   * itself (the last `finalityDepth`): they were read with the list of then, by another
   * watcher or by this one before a restart, which may have lacked an address whose notice
   * came late (docs/watcher.md "Watched addresses").
   * @returns false when the node's blocks there are not the stored ones (a reorg, or a node
   *   behind): the next step follows it, and the check is made again after it
   * @throws RpcReadError; the errors of {@link RecordBlocks.recordFound}
   */
  private async checkStoredBlocks(position: Position): Promise<boolean> {
    const cursor = position.cursor;
    if (!cursor) return true;
    const from = keptFrom(cursor.number, this.deps.chain.finalityDepth, null);
    return this.readStoredAgain(cursor, from > 0n ? from : 0n, cursor.number, this.watchList, true);
  }

  /**
   * Looks for the addresses the list learnt since the last step in the stored blocks this
   * leader read without them: the reads that began under an earlier version of the list
   * than the one that holds the address, and after its payment was created (less `clockToleranceMs`, as the payment's time is the API's
   * clock). A block that existed before the payment holds no transfer to it: its deposit
   * address was not known yet. Most addresses are learnt (notified) before any read could
   * miss them, and cost nothing here.
   * @throws RpcReadError; the errors of {@link RecordBlocks.recordFound}
   */
  private async lookForLearnt(position: Position): Promise<void> {
    // concat, not push(...): a reload after a long LISTEN outage may learn very many at once.
    this.learnt = this.learnt.concat(this.deps.watched.takeLearnt(this.chainId));
    if (this.learnt.length === 0) return;
    const cursor = position.cursor;
    if (!cursor) {
      this.learnt = [];
      return;
    }
    const tolerance = this.deps.options.clockToleranceMs;
    const addresses = new Set<string>();
    const native = new Set<string>();
    let from = cursor.number;
    let to = -1n;
    for (const learnt of this.learnt) {
      for (const read of this.reads) {
        if (read.listVersion >= learnt.listVersion || read.startedAtMs < learnt.createdAtMs - tolerance) continue;
        addresses.add(learnt.address);
        if (learnt.native) native.add(learnt.address);
        if (read.from < from) from = read.from;
        if (read.to > to) to = read.to;
      }
    }
    const filter: WatchedAddressFilter = { size: addresses.size, nativeSize: native.size, has: (address) => addresses.has(address) };
    if (addresses.size > 0 && !(await this.readStoredAgain(cursor, from, to, filter, false))) return;
    this.learnt = [];
  }

  /**
   * Reads stored blocks `from..to` (those of them stored without a gap up to the cursor) again for the
   * addresses of `filter` ({@link BlockScanner.rescan}), in spans of `maxBlocksPerScan`, and
   * stores what is found against the stored blocks ({@link RecordBlocks.recordFound}). With `asRead`, the spans are noted
   * as read with the list of then ({@link noteRead}).
   * @returns false when the node's blocks are not the stored ones (nothing more is read)
   */
  private async readStoredAgain(cursor: BlockRef, from: bigint, to: bigint, filter: WatchedAddressFilter, asRead: boolean): Promise<boolean> {
    const stored = storedRun(await this.deps.cursors.getBlocks(this.chainId, from, cursor.number), cursor).filter((block) => block.blockNumber <= to);
    const span = this.deps.options.maxBlocksPerScan;
    for (let i = 0; i < stored.length; i += span) {
      const blocks = stored.slice(i, i + span).map((block) => ({ number: block.blockNumber, hash: block.blockHash, parentHash: block.parentHash, timestamp: block.timestamp }));
      const start = this.readStart();
      let range: ScannedRange;
      try {
        range = await this.deps.scanner.rescan(blocks, filter);
      } catch (error) {
        if (error instanceof BlockNotAvailableError || error instanceof ChainChangedDuringScanError) return false;
        throw error;
      }
      if (range.transfers.length > 0) {
        const recorded = await this.deps.recorder.recordFound({ chain: this.deps.chain, cursor, range, watchList: this.watchList, leaderEpoch: this.leaderEpoch });
        if (recorded.newTransfers > 0) {
          this.logger.warn(
            `Chain ${this.chainId}: ${recorded.newTransfers} transfers in stored blocks ${range.fromBlock}..${range.toBlock} were found on a second read ` +
              `(their deposit addresses were learnt after the blocks were read); ${recorded.changedPayments} payments changed`,
          );
        }
      }
      if (asRead) this.noteRead({ ...start, from: range.fromBlock, to: range.toBlock }, cursor);
    }
    return true;
  }

  /**
   * Handles a reorg below `cursor`: finds the common ancestor among the stored blocks,
   * reads the new branch from it (up to `maxBlocksPerScan` blocks) and stores the rewind
   * with the new blocks in one transaction.
   * @throws ReorgTooDeepError when no stored block is on the node's chain
   */
  private async reorg(cursor: BlockRef, head: bigint, started: number): Promise<Position> {
    const depth = BigInt(this.deps.chain.finalityDepth);
    const lowest = keptFrom(cursor.number, this.deps.chain.finalityDepth, this.finalized?.number ?? null);
    const stored = await this.deps.cursors.getBlocks(this.chainId, lowest > 0n ? lowest : 0n, cursor.number);
    const ancestor = await findCommonAncestor(
      this.deps.scanner,
      stored.map((block) => ({ number: block.blockNumber, hash: block.blockHash })),
    );
    // No network reorganises back to its genesis block: a node whose chain shares only the
    // genesis with the stored blocks was reset in place (hardhat_reset keeps the genesis).
    const reset = !ancestor || (ancestor.number === 0n && cursor.number > 0n);
    if (reset && this.deps.chain.onNodeReset === 'forget') {
      await this.forget(cursor, await this.nodeGenesisHash(), `shares no stored block with its node (a node reset in place)`);
      return this.freshPosition();
    }
    if (reset) {
      throw new ReorgTooDeepError(
        `No stored block of chain ${this.chainId} above its genesis (${stored.length} blocks up to ${cursor.number}) is on the node's chain: ` +
          `a reorg deeper than finalityDepth ${depth}, or the node was reset. If the node's chain replaced the old one for good ` +
          `(a reset development node), 'kassa chain forget ${this.chainId}' forgets the old history (its transfers stop counting)`,
      );
    }
    const base: BlockRef = { number: ancestor.number, hash: ancestor.hash as Hex };
    // Nothing at or below the finalized block can change: a node that says otherwise is not trusted.
    if (this.finalized && base.number < this.finalized.number) {
      throw new ReorgTooDeepError(
        `The node of chain ${this.chainId} replaces blocks from ${base.number + 1n}, at or below its finalized block ${this.finalized.number}: ` +
          `finalized blocks never change on a sound node. Point the chain at another node; no confirmation counts meanwhile`,
      );
    }
    const to = minBigInt(head, base.number + BigInt(this.deps.options.maxBlocksPerScan));
    const start = this.readStart();
    const range = to > base.number ? await this.deps.scanner.scan(base.number + 1n, to, this.watchList) : null;
    if (range && range.blocks[0]!.parentHash !== base.hash) {
      throw new ChainChangedDuringScanError(`Chain ${this.chainId} changed again while its reorg was being read`);
    }
    const recorded = await this.deps.recorder.record({ chain: this.deps.chain, cursor, rewindTo: base, range, watchList: this.watchList, leaderEpoch: this.leaderEpoch });
    // The blocks above the ancestor are gone; the new branch's were read now.
    this.reads = this.reads.filter((read) => read.from <= base.number).map((read) => (read.to > base.number ? { ...read, to: base.number } : read));
    if (range) this.noteRead({ ...start, from: range.fromBlock, to: range.toBlock }, recorded.cursor);
    this.logger.warn(
      `Reorg on chain ${this.chainId}: blocks ${base.number + 1n}..${cursor.number} replaced (depth ${cursor.number - base.number}); ` +
        `${recorded.orphanedPayments} payments had transfers orphaned`,
    );
    const last = range?.blocks[range.blocks.length - 1];
    this.progressed(recorded.cursor, last?.timestamp ?? (await this.storedBlockTime(recorded.cursor.number)));
    this.summarise(recorded, range?.blocks.length ?? 0, started);
    return { cursor: recorded.cursor, next: recorded.cursor.number + 1n };
  }

  private async storedBlockTime(blockNumber: bigint): Promise<Date | null> {
    const [block] = await this.deps.cursors.getBlocks(this.chainId, blockNumber, blockNumber);
    return block?.timestamp ?? null;
  }

  private summarise(recorded: RecordedStep, blocks: number, started: number): void {
    this.update({
      lastStep: {
        blocks,
        toBlock: recorded.cursor.number,
        newTransfers: recorded.newTransfers,
        evaluatedPayments: recorded.evaluatedPayments,
        changedPayments: recorded.changedPayments,
        durationMs: performance.now() - started,
      },
    });
  }

  private progressed(cursor: BlockRef, blockTime: Date | null): void {
    this.update({ cursor: cursor.number, cursorBlockTime: blockTime, lastProgressAt: new Date() });
  }

  /**
   * Remembers the head block's timestamp, for lag in seconds (head block time vs now, and
   * the last stored block vs the head). `known` is a block already read; otherwise the
   * head's header is read once per new head (only while catching up).
   */
  private async noteHeadTime(head: bigint, known: ScannedBlock): Promise<void> {
    if (this.headTimeOf === head) return;
    const block = known.number === head ? known : (await this.deps.scanner.headers([head])).get(head);
    if (!block) return;
    this.headTimeOf = head;
    this.update({ headBlockTime: block.timestamp });
  }

  /** Changes the status; a change an operator must see (state, error) is written at once. */
  private update(patch: Partial<FollowerProgress>): void {
    const before = this.current;
    this.current = { ...before, ...patch };
    const leading = this.current.state !== 'standby' && this.current.state !== 'stopped';
    if (leading && (before.state !== this.current.state || before.lastError !== this.current.lastError)) this.publisher.publish();
  }
}

/**
 * The stored blocks that run without a gap up to `cursor` (a chain started at `startBlock`
 * has none below it), ascending; empty when the cursor's block is not among them.
 */
function storedRun(blocks: readonly ChainBlock[], cursor: BlockRef): ChainBlock[] {
  let first = blocks.length - 1;
  if (first < 0 || blocks[first]!.blockNumber !== cursor.number || blocks[first]!.blockHash !== cursor.hash) return [];
  while (first > 0 && blocks[first - 1]!.blockNumber === blocks[first]!.blockNumber - 1n) first--;
  return blocks.slice(first);
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
