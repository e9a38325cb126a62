import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment options (DESIGN.md "Price and the customer's choice of coin"): a payment may be
 * priced in a pricing currency (`price_amount`, `price_currency`) and paid in any of its
 * options: a coin on a chain with its amount in base units, deposit address and the rate it
 * was quoted at. The payment's own coin columns keep describing its selected option. Every
 * existing payment gets its one option.
 */
export class PaymentOptions1795564800000 implements MigrationInterface {
  name = 'PaymentOptions1795564800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE payments
        ADD COLUMN price_amount numeric,
        ADD COLUMN price_currency text,
        ADD CONSTRAINT ck_payments_price CHECK ((price_amount IS NULL) = (price_currency IS NULL) AND (price_amount IS NULL OR price_amount > 0))
    `);
    await queryRunner.query(`
      CREATE TABLE payment_options (
        id                     text           NOT NULL,
        payment_id             text           NOT NULL,
        position               smallint       NOT NULL,
        chain_id               integer        NOT NULL,
        currency               text           NOT NULL,
        token_address          text,
        token_decimals         smallint       NOT NULL,
        amount                 numeric(78,0)  NOT NULL,
        amount_minimum         numeric(78,0)  NOT NULL,
        required_confirmations integer        NOT NULL,
        deposit_address        text           NOT NULL,
        treasury_address       text           NOT NULL,
        factory_address        text           NOT NULL,
        rate_value             numeric,
        rate_pricing_currency  text,
        rate_source            text,
        rate_feed_address      text,
        rate_updated_at        timestamptz,
        CONSTRAINT pk_payment_options PRIMARY KEY (id),
        CONSTRAINT fk_payment_options_payment FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE CASCADE,
        CONSTRAINT uq_payment_options_position UNIQUE (payment_id, position),
        CONSTRAINT uq_payment_options_coin UNIQUE (payment_id, chain_id, currency),
        CONSTRAINT ck_payment_options_amount CHECK (amount > 0 AND amount_minimum > 0 AND amount_minimum <= amount),
        CONSTRAINT ck_payment_options_rate_source CHECK (rate_source IN ('peg', 'price_feed')),
        CONSTRAINT ck_payment_options_rate CHECK ((rate_source IS NULL) = (rate_value IS NULL) AND (rate_value IS NULL OR rate_value > 0))
      )
    `);
    // The watcher finds the payment a transfer pays by the chain and the address it arrived at.
    await queryRunner.query(`CREATE INDEX ix_payment_options_chain_id_deposit_address ON payment_options (chain_id, deposit_address)`);
    // Every existing payment gets its own coin as its one option (SQL written out here: a migration never changes).
    await queryRunner.query(`
      INSERT INTO payment_options (id, payment_id, position, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                                   required_confirmations, deposit_address, treasury_address, factory_address)
      SELECT 'opt_' || substr(id, 5), id, 0, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
             required_confirmations, deposit_address, treasury_address, factory_address
      FROM payments
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_options`);
    await queryRunner.query(`ALTER TABLE payments DROP CONSTRAINT ck_payments_price, DROP COLUMN price_amount, DROP COLUMN price_currency`);
  }
}
