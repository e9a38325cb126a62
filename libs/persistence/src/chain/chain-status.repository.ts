import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { runSql, selectRows } from '../database/sql';
import { toBigIntOrNull } from '../database/bigints';

/** What a chain's follower is doing (see the watcher's `ChainFollower`). */
export const CHAIN_FOLLOWER_STATES = ['stopped', 'standby', 'waiting', 'following', 'degraded', 'stalled'] as const;
export type ChainFollowerState = (typeof CHAIN_FOLLOWER_STATES)[number];

/**
 * A chain's status as its leading watcher reported it (table `chain_status`). Never holds
 * an RPC URL (it may carry an API key): URLs are named by their position in `rpcUrls`.
 */
export interface ChainStatusReport {
  chainId: number;
  /** Which watcher wrote it: `<hostname>:<pid>`. */
  watcherId: string;
  state: ChainFollowerState;
  headSource: 'websocket' | 'polling' | null;
  /** Latest head the node reported, and its block's timestamp. */
  headBlock: bigint | null;
  headBlockTime: Date | null;
  /** Last stored block, and its timestamp (the watcher's lag in seconds = headBlockTime - cursorBlockTime). */
  cursorBlock: bigint | null;
  cursorBlockTime: Date | null;
  /** Position in the chain's `rpcUrls` of the URL reads go to. */
  rpcUrlIndex: number | null;
  /** Times the watcher moved to another RPC URL since it started leading. */
  rpcRotations: number;
  /** Failed steps in a row (0 while following). */
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Blocks one `eth_getLogs` spans now. */
  logRangeBlocks: number | null;
  /** When the cursor last moved. */
  lastProgressAt: Date | null;
}

/** A stored report with the time it was written (a heartbeat: stale when old). */
export interface StoredChainStatus extends ChainStatusReport {
  updatedAt: Date;
}

interface ChainStatusRow {
  chain_id: number;
  watcher_id: string;
  state: ChainFollowerState;
  head_source: 'websocket' | 'polling' | null;
  head_block: string | null;
  head_block_time: Date | null;
  cursor_block: string | null;
  cursor_block_time: Date | null;
  rpc_url_index: number | null;
  rpc_rotations: number;
  consecutive_failures: number;
  last_error: string | null;
  last_error_at: Date | null;
  log_range_blocks: number | null;
  last_progress_at: Date | null;
  updated_at: Date;
}

/** The reported status of each chain (`chain_status`): written by the watcher, read by health and metrics. */
@Injectable()
export class ChainStatusRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes a chain's report (insert or replace), stamping `updated_at`.
   * @param leaderEpoch the writing leader's epoch: nothing is written when another watcher
   *   has taken the chain since (a leader that hung and resumed must not report over the new one)
   */
  async save(report: ChainStatusReport, leaderEpoch?: bigint, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO chain_status (chain_id, watcher_id, state, head_source, head_block, cursor_block, cursor_block_time,
                                 rpc_url_index, rpc_rotations, consecutive_failures, last_error, last_error_at,
                                 log_range_blocks, last_progress_at, head_block_time, updated_at)
       SELECT $1, $2, $3, $4, $5, $6, $7::timestamptz, $8, $9, $10, $11, $12::timestamptz, $13, $14::timestamptz, $15::timestamptz, now()
       WHERE $16::bigint IS NULL OR EXISTS (SELECT 1 FROM watcher_leaders WHERE chain_id = $1 AND epoch = $16::bigint)
       ON CONFLICT ON CONSTRAINT pk_chain_status DO UPDATE SET
         watcher_id = EXCLUDED.watcher_id, state = EXCLUDED.state, head_source = EXCLUDED.head_source,
         head_block = EXCLUDED.head_block, cursor_block = EXCLUDED.cursor_block, cursor_block_time = EXCLUDED.cursor_block_time,
         rpc_url_index = EXCLUDED.rpc_url_index, rpc_rotations = EXCLUDED.rpc_rotations,
         consecutive_failures = EXCLUDED.consecutive_failures, last_error = EXCLUDED.last_error,
         last_error_at = EXCLUDED.last_error_at, log_range_blocks = EXCLUDED.log_range_blocks,
         last_progress_at = EXCLUDED.last_progress_at, head_block_time = EXCLUDED.head_block_time, updated_at = now()`,
      [
        report.chainId,
        report.watcherId,
        report.state,
        report.headSource,
        report.headBlock?.toString() ?? null,
        report.cursorBlock?.toString() ?? null,
        report.cursorBlockTime,
        report.rpcUrlIndex,
        report.rpcRotations,
        report.consecutiveFailures,
        report.lastError,
        report.lastErrorAt,
        report.logRangeBlocks,
        report.lastProgressAt,
        report.headBlockTime,
        leaderEpoch?.toString() ?? null,
      ],
    );
  }

  /** The reports of these chains (every chain when omitted), by chain id; a chain never reported is absent. */
  async list(chainIds?: readonly number[], manager: EntityManager = this.dataSource.manager): Promise<StoredChainStatus[]> {
    const rows = await selectRows<ChainStatusRow>(
      manager,
      `SELECT * FROM chain_status ${chainIds ? 'WHERE chain_id = ANY ($1::integer[])' : ''} ORDER BY chain_id`,
      chainIds ? [chainIds] : [],
    );
    return rows.map((row) => ({
      chainId: row.chain_id,
      watcherId: row.watcher_id,
      state: row.state,
      headSource: row.head_source,
      headBlock: toBigIntOrNull(row.head_block),
      headBlockTime: row.head_block_time,
      cursorBlock: toBigIntOrNull(row.cursor_block),
      cursorBlockTime: row.cursor_block_time,
      rpcUrlIndex: row.rpc_url_index,
      rpcRotations: row.rpc_rotations,
      consecutiveFailures: row.consecutive_failures,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
      logRangeBlocks: row.log_range_blocks,
      lastProgressAt: row.last_progress_at,
      updatedAt: row.updated_at,
    }));
  }
}
