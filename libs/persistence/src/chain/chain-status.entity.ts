import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

import { bigintTransformer } from '../database/transformers';

/**
 * Table `chain_status`: per chain, what its leading watcher last reported (state, head,
 * cursor, RPC failures), refreshed as a heartbeat. Read by health checks and metrics.
 */
@Entity({ name: 'chain_status' })
@Check('ck_chain_status_state', "state IN ('stopped', 'standby', 'waiting', 'following', 'degraded', 'stalled')")
@Check('ck_chain_status_head_source', "head_source IN ('websocket', 'polling')")
export class ChainStatusEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'integer', primaryKeyConstraintName: 'pk_chain_status' })
  chainId!: number;

  @Column({ name: 'watcher_id', type: 'text' })
  watcherId!: string;

  @Column({ type: 'text' })
  state!: string;

  @Column({ name: 'head_source', type: 'text', nullable: true })
  headSource!: string | null;

  @Column({ name: 'head_block', type: 'bigint', nullable: true, transformer: bigintTransformer })
  headBlock!: bigint | null;

  @Column({ name: 'head_block_time', type: 'timestamptz', nullable: true })
  headBlockTime!: Date | null;

  @Column({ name: 'cursor_block', type: 'bigint', nullable: true, transformer: bigintTransformer })
  cursorBlock!: bigint | null;

  @Column({ name: 'cursor_block_time', type: 'timestamptz', nullable: true })
  cursorBlockTime!: Date | null;

  @Column({ name: 'rpc_url_index', type: 'integer', nullable: true })
  rpcUrlIndex!: number | null;

  @Column({ name: 'rpc_rotations', type: 'integer', default: 0 })
  rpcRotations!: number;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_error_at', type: 'timestamptz', nullable: true })
  lastErrorAt!: Date | null;

  @Column({ name: 'log_range_blocks', type: 'integer', nullable: true })
  logRangeBlocks!: number | null;

  @Column({ name: 'last_progress_at', type: 'timestamptz', nullable: true })
  lastProgressAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
