import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time of the node's head block in each chain's status, so confirmation lag can be
 * told in seconds both ways (docs/operations.md): how old the head is (head block time vs
 * now) and how far the watcher is behind it (last stored block's time vs head block time).
 */
export class ChainHeadTime1795478400000 implements MigrationInterface {
  name = 'ChainHeadTime1795478400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE chain_status ADD COLUMN head_block_time timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE chain_status DROP COLUMN head_block_time`);
  }
}
