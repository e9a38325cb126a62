import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rescues: coins a customer sent to a payment's deposit address on a chain Kassa does not
 * watch, flushed there to the treasury the address is bound to (`kassa rescue`,
 * docs/settlement.md "Coins sent on another chain"). One row per flush transaction, with what
 * it moved.
 */
export class Rescues1796083200000 implements MigrationInterface {
  name = 'Rescues1796083200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rescues (
        id text NOT NULL,
        payment_id text NOT NULL,
        chain_id integer NOT NULL,
        deposit_address text NOT NULL,
        treasury_address text NOT NULL,
        tx_hash text NOT NULL,
        moved jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_rescues PRIMARY KEY (id),
        CONSTRAINT fk_rescues_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
        CONSTRAINT uq_rescues_transaction UNIQUE (chain_id, tx_hash)
      )`);
    await queryRunner.query(`CREATE INDEX ix_rescues_payment ON rescues (payment_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE rescues`);
  }
}
