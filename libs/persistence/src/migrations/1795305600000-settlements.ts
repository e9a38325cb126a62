import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement (issue 7, docs/settlement.md):
 * - `settlement_policies`: per merchant, when its deposit addresses are flushed (no row: immediately);
 * - `settlement_transactions`: each flush transaction a gas payer signed, written before it is
 *   broadcast (write-ahead), with every hash signed for its nonce (fee replacements) so a
 *   restarted worker finds it on chain instead of sending again. One nonce per (chain, sender)
 *   row, and at most one unfinished transaction per sender at a time;
 * - `settlements`: one flush of one payment's deposit address (a transaction may carry many),
 *   covering the payment's transfers up to `covered_transfer_id`; at most one pending per payment;
 * - `settlement_amounts`: what each settlement moved, per token (the zero address is the
 *   native coin, as in the contracts), from the mined transaction's `Flushed` events.
 */
export class Settlements1795305600000 implements MigrationInterface {
  name = 'Settlements1795305600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE settlement_policies (
        merchant_id      text        NOT NULL,
        mode             text        NOT NULL,
        thresholds       jsonb       NOT NULL DEFAULT '{}',
        interval_seconds integer,
        max_wait_seconds integer,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_settlement_policies PRIMARY KEY (merchant_id),
        CONSTRAINT fk_settlement_policies_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_settlement_policies_mode CHECK (mode IN ('immediate', 'threshold', 'schedule', 'off')),
        CONSTRAINT ck_settlement_policies_interval_seconds CHECK (interval_seconds > 0),
        CONSTRAINT ck_settlement_policies_max_wait_seconds CHECK (max_wait_seconds > 0)
      )
    `);

    await queryRunner.query(`
      CREATE TABLE settlement_transactions (
        id                       text          NOT NULL,
        chain_id                 integer       NOT NULL,
        from_address             text          NOT NULL,
        to_address               text          NOT NULL,
        nonce                    bigint        NOT NULL,
        status                   text          NOT NULL,
        tx_hash                  text          NOT NULL,
        tx_hashes                text[]        NOT NULL,
        raw_transaction          text          NOT NULL,
        gas_limit                bigint        NOT NULL,
        max_fee_per_gas          numeric(78,0),
        max_priority_fee_per_gas numeric(78,0),
        gas_price                numeric(78,0),
        replacements             integer       NOT NULL DEFAULT 0,
        batch_size               integer       NOT NULL,
        broadcast_at             timestamptz,
        mined_tx_hash            text,
        block_number             bigint,
        gas_used                 bigint,
        effective_gas_price      numeric(78,0),
        error                    text,
        created_at               timestamptz   NOT NULL DEFAULT now(),
        updated_at               timestamptz   NOT NULL DEFAULT now(),
        finished_at              timestamptz,
        CONSTRAINT pk_settlement_transactions PRIMARY KEY (id),
        CONSTRAINT uq_settlement_transactions_sender_nonce UNIQUE (chain_id, from_address, nonce),
        CONSTRAINT ck_settlement_transactions_status CHECK (status IN ('pending', 'confirmed', 'reverted', 'dropped')),
        CONSTRAINT ck_settlement_transactions_nonce CHECK (nonce >= 0),
        CONSTRAINT ck_settlement_transactions_fees CHECK ((gas_price IS NULL) = (max_fee_per_gas IS NOT NULL AND max_priority_fee_per_gas IS NOT NULL)),
        CONSTRAINT ck_settlement_transactions_finished_at CHECK ((status = 'pending') = (finished_at IS NULL))
      )
    `);
    // The in-flight transaction of a gas payer: one at a time, so nonces never leave gaps.
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_settlement_transactions_in_flight ON settlement_transactions (chain_id, from_address) WHERE status = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX ix_settlement_transactions_created_at ON settlement_transactions (created_at)`);

    await queryRunner.query(`
      CREATE TABLE settlements (
        id                  text        NOT NULL,
        merchant_id         text        NOT NULL,
        payment_id          text        NOT NULL,
        chain_id            integer     NOT NULL,
        deposit_address     text        NOT NULL,
        treasury_address    text        NOT NULL,
        status              text        NOT NULL,
        transaction_id      text,
        covered_transfer_id bigint      NOT NULL,
        attempt             integer     NOT NULL DEFAULT 1,
        error               text,
        next_attempt_at     timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        settled_at          timestamptz,
        CONSTRAINT pk_settlements PRIMARY KEY (id),
        CONSTRAINT fk_settlements_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
        CONSTRAINT fk_settlements_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
        CONSTRAINT fk_settlements_transaction FOREIGN KEY (transaction_id) REFERENCES settlement_transactions (id),
        CONSTRAINT ck_settlements_status CHECK (status IN ('pending', 'settled', 'failed')),
        CONSTRAINT ck_settlements_settled_at CHECK ((status = 'settled') = (settled_at IS NOT NULL)),
        CONSTRAINT ck_settlements_next_attempt_at CHECK ((status = 'failed') = (next_attempt_at IS NOT NULL)),
        CONSTRAINT ck_settlements_attempt CHECK (attempt >= 1)
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_settlements_payment_pending ON settlements (payment_id) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX ix_settlements_merchant_id_id ON settlements (merchant_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_settlements_payment_id_id ON settlements (payment_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_settlements_transaction_id ON settlements (transaction_id)`);

    await queryRunner.query(`
      CREATE TABLE settlement_amounts (
        settlement_id text          NOT NULL,
        token_address text          NOT NULL,
        currency      text          NOT NULL,
        decimals      smallint      NOT NULL,
        amount        numeric(78,0) NOT NULL,
        CONSTRAINT pk_settlement_amounts PRIMARY KEY (settlement_id, token_address),
        CONSTRAINT fk_settlement_amounts_settlement FOREIGN KEY (settlement_id) REFERENCES settlements (id) ON DELETE CASCADE,
        CONSTRAINT ck_settlement_amounts_amount CHECK (amount > 0),
        CONSTRAINT ck_settlement_amounts_decimals CHECK (decimals >= 0)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['settlement_amounts', 'settlements', 'settlement_transactions', 'settlement_policies']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
