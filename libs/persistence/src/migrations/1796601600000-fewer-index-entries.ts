import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index entries for each transfer and each payment state change, the rows a busy
 * chain writes most (docs/performance.md "Busy chain"):
 * - a transfer's unique key `(chain_id, tx_hash, log_index)` becomes
 *   `(tx_hash, chain_id, log_index)`: the same key, now also the index that finds transfers
 *   by transaction hash (the dashboard's search), so `ix_transfers_tx_hash` goes;
 * - `ix_payments_chain_id_status` goes: no query looks payments up by chain and status
 *   (the watcher finds its payments through `payment_options`, lists are per merchant), and
 *   each status change wrote an entry into it.
 * Building the new unique index reads the whole `transfers` table once under its lock: on a
 * large table, run the upgrade while the apps are stopped (docs/deployment.md "the database").
 */
export class FewerIndexEntries1796601600000 implements MigrationInterface {
  name = 'FewerIndexEntries1796601600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE transfers ADD CONSTRAINT uq_transfers_tx_chain_log UNIQUE (tx_hash, chain_id, log_index)`);
    await queryRunner.query(`ALTER TABLE transfers DROP CONSTRAINT uq_transfers_chain_tx_log`);
    await queryRunner.query(`DROP INDEX ix_transfers_tx_hash`);
    await queryRunner.query(`DROP INDEX ix_payments_chain_id_status`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX ix_payments_chain_id_status ON payments (chain_id, status)`);
    await queryRunner.query(`CREATE INDEX ix_transfers_tx_hash ON transfers (tx_hash)`);
    await queryRunner.query(`ALTER TABLE transfers ADD CONSTRAINT uq_transfers_chain_tx_log UNIQUE (chain_id, tx_hash, log_index)`);
    await queryRunner.query(`ALTER TABLE transfers DROP CONSTRAINT uq_transfers_tx_chain_log`);
  }
}
