import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { RecordedChain } from '@kassa/chain';
import type { Hex } from '@kassa/domain';

import { runSql, selectOne, selectRows } from '../database/sql';
import { toBigInt } from '../database/bigints';

/** Where a chain's watcher stands: the last block whose transfers are stored. */
export interface ChainCursor {
  chainId: number;
  blockNumber: bigint;
  blockHash: Hex;
  updatedAt: Date;
}

/** A processed block, kept within `finalityDepth` of the head to detect reorgs. */
export interface ChainBlock {
  chainId: number;
  blockNumber: bigint;
  blockHash: Hex;
  parentHash: Hex;
  timestamp: Date;
}

interface ChainBlockRow {
  chain_id: number;
  block_number: string;
  block_hash: string;
  parent_hash: string;
  block_timestamp: Date;
}

function toChainBlock(row: ChainBlockRow): ChainBlock {
  return {
    chainId: row.chain_id,
    blockNumber: toBigInt(row.block_number),
    blockHash: row.block_hash as Hex,
    parentHash: row.parent_hash as Hex,
    timestamp: row.block_timestamp,
  };
}

/** Chain cursors and recent block hashes (`chain_cursors`, `chain_blocks`). */
@Injectable()
export class ChainCursorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(chainId: number, manager: EntityManager = this.dataSource.manager): Promise<ChainCursor | null> {
    const row = await selectOne<{ chain_id: number; block_number: string; block_hash: string; updated_at: Date }>(
      manager,
      `SELECT chain_id, block_number, block_hash, updated_at FROM chain_cursors WHERE chain_id = $1`,
      [chainId],
    );
    return row
      ? { chainId: row.chain_id, blockNumber: toBigInt(row.block_number), blockHash: row.block_hash as Hex, updatedAt: row.updated_at }
      : null;
  }

  /**
   * The cursor block of each of these chains that has one (the head the watcher has stored,
   * which confirmations are counted against), by chain id.
   */
  async heads(chainIds: readonly number[], manager: EntityManager = this.dataSource.manager): Promise<Map<number, bigint>> {
    if (chainIds.length === 0) return new Map();
    const rows = await selectRows<{ chain_id: number; block_number: string }>(
      manager,
      `SELECT chain_id, block_number FROM chain_cursors WHERE chain_id = ANY ($1::int[])`,
      [chainIds],
    );
    return new Map(rows.map((row) => [row.chain_id, toBigInt(row.block_number)]));
  }

  /** Moves the cursor (forwards, or backwards after a reorg); call it in the transaction that stores the blocks' transfers. */
  async save(manager: EntityManager, chainId: number, blockNumber: bigint, blockHash: Hex): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO chain_cursors (chain_id, block_number, block_hash, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT ON CONSTRAINT pk_chain_cursors
       DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, updated_at = now()`,
      [chainId, blockNumber.toString(), blockHash],
    );
  }

  /** Stores processed blocks in one statement; a block number stored before takes the new hash. */
  async saveBlocks(manager: EntityManager, blocks: readonly ChainBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    await runSql(
      manager,
      `INSERT INTO chain_blocks (chain_id, block_number, block_hash, parent_hash, block_timestamp)
       SELECT * FROM unnest($1::integer[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[])
       ON CONFLICT ON CONSTRAINT pk_chain_blocks
       DO UPDATE SET block_hash = EXCLUDED.block_hash, parent_hash = EXCLUDED.parent_hash, block_timestamp = EXCLUDED.block_timestamp`,
      [
        blocks.map((b) => b.chainId),
        blocks.map((b) => b.blockNumber.toString()),
        blocks.map((b) => b.blockHash),
        blocks.map((b) => b.parentHash),
        blocks.map((b) => b.timestamp),
      ],
    );
  }

  /**
   * One step of a block follower in ONE statement: stores the `blocks` from `keepFrom` on
   * (a block number stored before takes the new hash; older ones are deeper than
   * `finalityDepth` and not kept), moves the cursor to `cursor`, and forgets the stored
   * blocks below `keepFrom`. Call it in the step's transaction.
   */
  async advance(
    manager: EntityManager,
    chainId: number,
    blocks: readonly Omit<ChainBlock, 'chainId'>[],
    cursor: { blockNumber: bigint; blockHash: Hex },
    keepFrom: bigint,
  ): Promise<void> {
    // The DELETE does not see rows the CTE inserts: blocks below keepFrom are never inserted.
    const kept = blocks.filter((block) => block.blockNumber >= keepFrom);
    await runSql(
      manager,
      `WITH stored AS (
         INSERT INTO chain_blocks (chain_id, block_number, block_hash, parent_hash, block_timestamp)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[])
         ON CONFLICT ON CONSTRAINT pk_chain_blocks
         DO UPDATE SET block_hash = EXCLUDED.block_hash, parent_hash = EXCLUDED.parent_hash, block_timestamp = EXCLUDED.block_timestamp
       ), moved AS (
         INSERT INTO chain_cursors (chain_id, block_number, block_hash, updated_at) VALUES ($1, $6, $7, now())
         ON CONFLICT ON CONSTRAINT pk_chain_cursors
         DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, updated_at = now()
       )
       DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number < $8`,
      [
        chainId,
        kept.map((b) => b.blockNumber.toString()),
        kept.map((b) => b.blockHash),
        kept.map((b) => b.parentHash),
        kept.map((b) => b.timestamp),
        cursor.blockNumber.toString(),
        cursor.blockHash,
        keepFrom.toString(),
      ],
      { prepared: true },
    );
  }

  /** Stored blocks with `from <= number <= to`, ascending. */
  async getBlocks(chainId: number, from: bigint, to: bigint, manager: EntityManager = this.dataSource.manager): Promise<ChainBlock[]> {
    const rows = await selectRows<ChainBlockRow>(
      manager,
      `SELECT chain_id, block_number, block_hash, parent_hash, block_timestamp FROM chain_blocks
       WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 ORDER BY block_number`,
      [chainId, from.toString(), to.toString()],
    );
    return rows.map(toChainBlock);
  }

  /** Forgets blocks `>= blockNumber` (orphaned by a reorg); returns how many. */
  async deleteFrom(manager: EntityManager, chainId: number, blockNumber: bigint): Promise<number> {
    const { rowCount } = await runSql(manager, `DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number >= $2`, [
      chainId,
      blockNumber.toString(),
    ]);
    return rowCount;
  }

  /** Forgets blocks `< blockNumber` (deeper than `finalityDepth`); returns how many. */
  async pruneBelow(manager: EntityManager, chainId: number, blockNumber: bigint): Promise<number> {
    const { rowCount } = await runSql(manager, `DELETE FROM chain_blocks WHERE chain_id = $1 AND block_number < $2`, [
      chainId,
      blockNumber.toString(),
    ]);
    return rowCount;
  }

  /** The genesis hash recorded for the chain (DESIGN.md "Trusting the chain"), or null before its first step. */
  async identity(chainId: number, manager: EntityManager = this.dataSource.manager): Promise<Hex | null> {
    const row = await selectOne<{ genesis_hash: string }>(manager, `SELECT genesis_hash FROM chain_identities WHERE chain_id = $1`, [chainId]);
    return row ? (row.genesis_hash as Hex) : null;
  }

  /** What Kassa recorded of the chain (`RecordedChainIdentities` of the start-up verification): its genesis hash and cursor. */
  async recorded(chainId: number): Promise<RecordedChain> {
    const [genesisHash, cursor] = await Promise.all([this.identity(chainId), this.get(chainId)]);
    return { genesisHash, cursor: cursor ? { blockNumber: cursor.blockNumber, blockHash: cursor.blockHash } : null };
  }

  /** Records the chain's genesis hash, replacing any other (after its history was forgotten). */
  async saveIdentity(manager: EntityManager, chainId: number, genesisHash: Hex): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO chain_identities (chain_id, genesis_hash) VALUES ($1, $2)
       ON CONFLICT ON CONSTRAINT pk_chain_identities DO UPDATE SET genesis_hash = EXCLUDED.genesis_hash, recorded_at = now()`,
      [chainId, genesisHash],
    );
  }

  /** Forgets the chain's recorded genesis hash (the watcher records its node's on its next start). */
  async forgetIdentity(manager: EntityManager, chainId: number): Promise<void> {
    await runSql(manager, `DELETE FROM chain_identities WHERE chain_id = $1`, [chainId]);
  }

  /** Forgets where the chain's watcher stood: its cursor and every stored block (its identity is kept). */
  async forget(manager: EntityManager, chainId: number): Promise<void> {
    await runSql(manager, `DELETE FROM chain_blocks WHERE chain_id = $1`, [chainId]);
    await runSql(manager, `DELETE FROM chain_cursors WHERE chain_id = $1`, [chainId]);
  }

  /**
   * Makes `leader` the chain's leader: increments the chain's leader epoch (1 for its first
   * leader) and returns it. Call it once the chain's leader lock is held; it waits for any
   * write transaction of the previous leader still holding the epoch ({@link leaderEpoch}).
   */
  async takeLeadership(chainId: number, leader: string, manager: EntityManager = this.dataSource.manager): Promise<bigint> {
    const row = await selectOne<{ epoch: string }>(
      manager,
      `INSERT INTO watcher_leaders (chain_id, epoch, leader) VALUES ($1, 1, $2)
       ON CONFLICT ON CONSTRAINT pk_watcher_leaders DO UPDATE SET epoch = watcher_leaders.epoch + 1, leader = EXCLUDED.leader, since = now()
       RETURNING epoch`,
      [chainId, leader],
    );
    return BigInt(row!.epoch);
  }

  /**
   * The chain's leader epoch, share-locked until `manager`'s transaction ends, so no new
   * leader takes the chain while the transaction writes (fencing); null before any leader.
   */
  async leaderEpoch(manager: EntityManager, chainId: number): Promise<bigint | null> {
    const row = await selectOne<{ epoch: string }>(manager, `SELECT epoch FROM watcher_leaders WHERE chain_id = $1 FOR SHARE`, [chainId]);
    return row ? BigInt(row.epoch) : null;
  }

  /**
   * What a chain's writer checks before it writes (fencing), in one read: the leader epoch,
   * share-locked as {@link leaderEpoch} does, and the stored cursor. Call it after taking the
   * chain's write lock, as its own statement: a statement reads what was committed when it
   * started, so one that also waited for the lock could miss the previous writer's cursor.
   */
  async writerState(manager: EntityManager, chainId: number): Promise<{ leaderEpoch: bigint | null; cursor: ChainCursor | null }> {
    const row = await selectOne<{ epoch: string | null; chain_id: number | null; block_number: string | null; block_hash: string | null; updated_at: Date | null }>(
      manager,
      `SELECT (SELECT epoch FROM watcher_leaders WHERE chain_id = $1 FOR SHARE) AS epoch,
              c.chain_id, c.block_number, c.block_hash, c.updated_at
       FROM (VALUES (1)) AS one LEFT JOIN chain_cursors AS c ON c.chain_id = $1`,
      [chainId],
      { prepared: true },
    );
    const cursor =
      row?.chain_id != null && row.block_number !== null && row.block_hash !== null && row.updated_at !== null
        ? { chainId: row.chain_id, blockNumber: toBigInt(row.block_number), blockHash: row.block_hash as Hex, updatedAt: row.updated_at }
        : null;
    return { leaderEpoch: row?.epoch != null ? BigInt(row.epoch) : null, cursor };
  }
}
