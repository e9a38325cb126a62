import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds and payouts (docs/refunds.md), money that leaves from the merchant's own wallets:
 * - `payouts`: transfers the payout hot wallet sends (merchant payouts, and refunds paid from
 *   it), each carried by one `settlement_transactions` row (the write-ahead log of what Kassa
 *   signs: stored before broadcast, one nonce per sender). `refund_id` is unique: a refund has
 *   at most one payout, so it can never be sent twice;
 * - `refunds`: what a merchant gives back of a payment, in the payment's coin on its chain.
 *   The amounts of a payment's refunds that are not failed or canceled never exceed what it
 *   received (checked under the payment's row lock). `claim_token` opens the customer's
 *   claim page, `approval_token` the merchant's approval page; both are random capabilities.
 *   `(chain_id, tx_hash, log_index)` is unique: one on-chain transfer pays one refund.
 *   `reported_tx_hash` is what the approval page says the merchant's wallet sent: a hint the
 *   worker verifies on chain, never trusted as it is.
 */
export class RefundsAndPayouts1796169600000 implements MigrationInterface {
  name = 'RefundsAndPayouts1796169600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payouts (
        id             text          NOT NULL,
        merchant_id    text          NOT NULL,
        chain_id       integer       NOT NULL,
        token_symbol   text          NOT NULL,
        token_address  text,
        token_decimals integer       NOT NULL,
        amount         numeric(78,0) NOT NULL,
        address        text          NOT NULL,
        status         text          NOT NULL,
        refund_id      text,
        batch_id       text,
        description    text,
        metadata       jsonb         NOT NULL DEFAULT '{}',
        transaction_id text,
        tx_hash        text,
        block_number   bigint,
        failure_reason text,
        last_error     text,
        created_at     timestamptz   NOT NULL DEFAULT now(),
        updated_at     timestamptz   NOT NULL DEFAULT now(),
        sent_at        timestamptz,
        confirmed_at   timestamptz,
        canceled_at    timestamptz,
        CONSTRAINT pk_payouts PRIMARY KEY (id),
        CONSTRAINT fk_payouts_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
        CONSTRAINT fk_payouts_transaction FOREIGN KEY (transaction_id) REFERENCES settlement_transactions (id),
        CONSTRAINT uq_payouts_refund UNIQUE (refund_id),
        CONSTRAINT ck_payouts_status CHECK (status IN ('pending', 'sent', 'confirmed', 'failed', 'canceled')),
        CONSTRAINT ck_payouts_amount CHECK (amount > 0),
        CONSTRAINT ck_payouts_sent_has_transaction CHECK (status NOT IN ('sent', 'confirmed') OR transaction_id IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX ix_payouts_merchant_id ON payouts (merchant_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_payouts_pending ON payouts (chain_id, id) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX ix_payouts_transaction ON payouts (transaction_id) WHERE transaction_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX ix_payouts_limits ON payouts (chain_id, token_symbol, created_at) WHERE status IN ('pending', 'sent', 'confirmed')`);

    await queryRunner.query(`
      CREATE TABLE refunds (
        id                  text          NOT NULL,
        merchant_id         text          NOT NULL,
        payment_id          text          NOT NULL,
        chain_id            integer       NOT NULL,
        token_symbol        text          NOT NULL,
        token_address       text,
        token_decimals      integer       NOT NULL,
        amount              numeric(78,0) NOT NULL,
        reason              text,
        method              text          NOT NULL,
        status              text          NOT NULL,
        address             text,
        address_source      text,
        payout_id           text,
        claim_token         text          NOT NULL,
        approval_token      text          NOT NULL,
        approval_expires_at timestamptz,
        watch_from_block    bigint,
        reported_tx_hash    text,
        tx_hash             text,
        log_index           integer,
        block_number        bigint,
        failure_reason      text,
        created_at          timestamptz   NOT NULL DEFAULT now(),
        updated_at          timestamptz   NOT NULL DEFAULT now(),
        sent_at             timestamptz,
        confirmed_at        timestamptz,
        canceled_at         timestamptz,
        CONSTRAINT pk_refunds PRIMARY KEY (id),
        CONSTRAINT fk_refunds_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
        CONSTRAINT fk_refunds_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
        CONSTRAINT fk_refunds_payout FOREIGN KEY (payout_id) REFERENCES payouts (id),
        CONSTRAINT uq_refunds_claim_token UNIQUE (claim_token),
        CONSTRAINT uq_refunds_approval_token UNIQUE (approval_token),
        CONSTRAINT uq_refunds_transfer UNIQUE (chain_id, tx_hash, log_index),
        CONSTRAINT ck_refunds_status CHECK (status IN ('awaiting_address', 'pending', 'sent', 'confirmed', 'failed', 'canceled')),
        CONSTRAINT ck_refunds_method CHECK (method IN ('payout_wallet', 'merchant_wallet')),
        CONSTRAINT ck_refunds_address_source CHECK (address_source IN ('merchant', 'customer', 'sender')),
        CONSTRAINT ck_refunds_amount CHECK (amount > 0),
        CONSTRAINT ck_refunds_address_known CHECK (status IN ('awaiting_address', 'canceled') OR address IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX ix_refunds_merchant_id ON refunds (merchant_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_refunds_payment ON refunds (payment_id)`);
    await queryRunner.query(`CREATE INDEX ix_refunds_watched ON refunds (chain_id) WHERE method = 'merchant_wallet' AND status IN ('pending', 'sent')`);
    await queryRunner.query(`ALTER TABLE payouts ADD CONSTRAINT fk_payouts_refund FOREIGN KEY (refund_id) REFERENCES refunds (id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payouts DROP CONSTRAINT fk_payouts_refund`);
    await queryRunner.query(`DROP TABLE refunds`);
    await queryRunner.query(`DROP TABLE payouts`);
  }
}
