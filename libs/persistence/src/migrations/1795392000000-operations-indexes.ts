import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operations (docs/operations.md): the api's `/metrics` and `/ops` count, at every scrape,
 * the webhook endpoints whose deliveries failed in the last 24 hours. Failed deliveries
 * pile up and are never deleted, so they get a partial index on when they failed (the
 * pending ones are already indexed by `ix_webhook_deliveries_due`).
 */
export class OperationsIndexes1795392000000 implements MigrationInterface {
  name = 'OperationsIndexes1795392000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_webhook_deliveries_failed_updated_at ON webhook_deliveries (updated_at) WHERE status = 'failed'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_webhook_deliveries_failed_updated_at`);
  }
}
