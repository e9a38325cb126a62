import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A payment with options on several chains is settled chain by chain (docs/pricing.md):
 * one settlement in flight per payment and chain, instead of per payment.
 */
export class SettlementsPerChain1795651200000 implements MigrationInterface {
  name = 'SettlementsPerChain1795651200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX uq_settlements_payment_pending`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_settlements_payment_chain_pending ON settlements (payment_id, chain_id) WHERE status = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX uq_settlements_payment_chain_pending`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_settlements_payment_pending ON settlements (payment_id) WHERE status = 'pending'`);
  }
}
