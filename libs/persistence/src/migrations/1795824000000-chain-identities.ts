import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each chain's identity: the hash of its genesis block, recorded by the watcher the first
 * time it follows the chain (DESIGN.md "Trusting the chain"). A node whose genesis differs
 * serves another chain (a reset development node, a node of another network under the same
 * chain id): the watcher compares before it reads anything and stalls rather than count
 * confirmations on it (docs/watcher.md "Chain identity").
 */
export class ChainIdentities1795824000000 implements MigrationInterface {
  name = 'ChainIdentities1795824000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE chain_identities (
        chain_id integer NOT NULL,
        genesis_hash text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_chain_identities PRIMARY KEY (chain_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE chain_identities`);
  }
}
