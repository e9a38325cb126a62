import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marks a failed settlement whose deposit address lacked money Kassa had counted (never
 * flushed, holding less than the confirmed transfers): an alarm an operator must look at,
 * counted by the `kassa_settlement_shortfalls` gauge (docs/settlement.md "Shortfalls").
 */
export class SettlementShortfalls1795910400000 implements MigrationInterface {
  name = 'SettlementShortfalls1795910400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE settlements ADD COLUMN shortfall boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE settlements DROP COLUMN shortfall`);
  }
}
