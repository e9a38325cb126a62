import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The chain watcher's reported status and the scheduler's balance credits (docs/watcher.md):
 * - `chain_status`: one row per chain, written by the watcher that leads the chain (on every
 *   change of state and as a heartbeat), read by `/health/ready` and metrics, so the api
 *   reports a chain's health without talking to the watcher process;
 * - transfers may carry log index -2, the key of a balance credit (value found in a deposit
 *   address's balance at the deadline block that no transaction or log explains).
 */
export class ChainStatus1795219200000 implements MigrationInterface {
  name = 'ChainStatus1795219200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE chain_status (
        chain_id             integer     NOT NULL,
        watcher_id           text        NOT NULL,
        state                text        NOT NULL,
        head_source          text,
        head_block           bigint,
        cursor_block         bigint,
        cursor_block_time    timestamptz,
        rpc_url_index        integer,
        rpc_rotations        integer     NOT NULL DEFAULT 0,
        consecutive_failures integer     NOT NULL DEFAULT 0,
        last_error           text,
        last_error_at        timestamptz,
        log_range_blocks     integer,
        last_progress_at     timestamptz,
        updated_at           timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_chain_status PRIMARY KEY (chain_id),
        CONSTRAINT ck_chain_status_state CHECK (state IN ('stopped', 'standby', 'waiting', 'following', 'degraded', 'stalled')),
        CONSTRAINT ck_chain_status_head_source CHECK (head_source IN ('websocket', 'polling'))
      )
    `);
    await queryRunner.query(`ALTER TABLE transfers DROP CONSTRAINT ck_transfers_log_index`);
    await queryRunner.query(`ALTER TABLE transfers ADD CONSTRAINT ck_transfers_log_index CHECK (log_index >= -2)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM transfers WHERE log_index = -2`);
    await queryRunner.query(`ALTER TABLE transfers DROP CONSTRAINT ck_transfers_log_index`);
    await queryRunner.query(`ALTER TABLE transfers ADD CONSTRAINT ck_transfers_log_index CHECK (log_index >= -1)`);
    await queryRunner.query(`DROP TABLE chain_status`);
  }
}
