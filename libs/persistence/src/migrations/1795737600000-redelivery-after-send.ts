import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A manual redelivery of a delivery being sent right now is kept as a request
 * (`redeliver_requested_at`) and applied when that send ends: the delivery goes back to
 * pending with a new retry window from the request, instead of the request being dropped.
 */
export class RedeliveryAfterSend1795737600000 implements MigrationInterface {
  name = 'RedeliveryAfterSend1795737600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_deliveries ADD COLUMN redeliver_requested_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_deliveries DROP COLUMN redeliver_requested_at`);
  }
}
