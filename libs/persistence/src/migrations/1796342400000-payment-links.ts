import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment links (docs/payment-links.md):
 * - `payment_links`: a merchant's public link; `template` is the payment each visit creates
 *   (the body of `POST /v1/payments` without an order id); single-use when not `reusable`;
 *   optional expiry; deactivated by the merchant, never deleted;
 * - `payments.payment_link_id`: the link whose visit created the payment (filter of
 *   `GET /v1/payments`, and how a single-use link finds its paid or open payment).
 */
export class PaymentLinks1796342400000 implements MigrationInterface {
  name = 'PaymentLinks1796342400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment_links (
        id              text        NOT NULL,
        merchant_id     text        NOT NULL,
        template        jsonb       NOT NULL,
        reusable        boolean     NOT NULL,
        expires_at      timestamptz,
        created_at      timestamptz NOT NULL,
        deactivated_at  timestamptz,
        CONSTRAINT pk_payment_links PRIMARY KEY (id),
        CONSTRAINT fk_payment_links_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_payment_links_merchant ON payment_links (merchant_id, id DESC)`);
    await queryRunner.query(`ALTER TABLE payments ADD COLUMN payment_link_id text`);
    await queryRunner.query(`ALTER TABLE payments ADD CONSTRAINT fk_payments_payment_link FOREIGN KEY (payment_link_id) REFERENCES payment_links (id)`);
    await queryRunner.query(`CREATE INDEX ix_payments_payment_link ON payments (payment_link_id, status) WHERE payment_link_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_payments_payment_link`);
    await queryRunner.query(`ALTER TABLE payments DROP COLUMN payment_link_id`);
    await queryRunner.query(`DROP TABLE payment_links`);
  }
}
