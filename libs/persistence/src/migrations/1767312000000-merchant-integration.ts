import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What merchants integrate against (issue 5): a treasury per chain, named API keys, a
 * retry window per delivery that a manual redelivery restarts, and the indexes that let
 * the delivery queue cap the sends in flight per endpoint.
 */
export class MerchantIntegration1767312000000 implements MigrationInterface {
  name = 'MerchantIntegration1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The merchant's default treasury (merchants.treasury_address) serves every chain that
    // has no row here.
    await queryRunner.query(`
      CREATE TABLE merchant_treasuries (
        merchant_id      text        NOT NULL,
        chain_id         integer     NOT NULL,
        treasury_address text        NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_merchant_treasuries PRIMARY KEY (merchant_id, chain_id),
        CONSTRAINT fk_merchant_treasuries_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_merchant_treasuries_chain_id CHECK (chain_id > 0)
      )
    `);

    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN name text`);

    // Retries stop `maxAge` after the window started: the event's time at first, the time of
    // the merchant's request after a manual redelivery. The backoff restarts with the window
    // too: it counts the attempts made since `attempts_before_window`.
    await queryRunner.query(`ALTER TABLE webhook_deliveries ADD COLUMN retry_window_started_at timestamptz`);
    await queryRunner.query(`UPDATE webhook_deliveries SET retry_window_started_at = created_at`);
    await queryRunner.query(`ALTER TABLE webhook_deliveries ALTER COLUMN retry_window_started_at SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE webhook_deliveries ADD COLUMN attempts_before_window integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT ck_webhook_deliveries_attempts_before_window
       CHECK (attempts_before_window >= 0 AND attempts_before_window <= attempt_count)`,
    );

    // A claim takes each endpoint's oldest due deliveries up to its free send slots: the
    // queue per endpoint, and the sends in flight per endpoint.
    await queryRunner.query(
      `CREATE INDEX ix_webhook_deliveries_endpoint_queue ON webhook_deliveries (endpoint_id, next_attempt_at)
       WHERE status IN ('pending', 'delivering')`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_webhook_deliveries_in_flight ON webhook_deliveries (endpoint_id) WHERE status = 'delivering'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_webhook_deliveries_in_flight`);
    await queryRunner.query(`DROP INDEX ix_webhook_deliveries_endpoint_queue`);
    await queryRunner.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT ck_webhook_deliveries_attempts_before_window`);
    await queryRunner.query(`ALTER TABLE webhook_deliveries DROP COLUMN attempts_before_window`);
    await queryRunner.query(`ALTER TABLE webhook_deliveries DROP COLUMN retry_window_started_at`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN name`);
    await queryRunner.query(`DROP TABLE merchant_treasuries`);
  }
}
