import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stores event payloads as `json` (their text, validated) instead of `jsonb` (parsed into a
 * binary tree): a payload is written once, whole, and read back whole to be delivered;
 * nothing queries inside it. Building the binary form was the costliest part of appending a
 * busy chain's events (docs/performance.md "Busy chain"). The change rewrites the `events`
 * table once, holding its lock meanwhile: on a large table, run the upgrade while the apps
 * are stopped (docs/deployment.md "the database").
 */
export class EventPayloadJson1796515200000 implements MigrationInterface {
  name = 'EventPayloadJson1796515200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE events ALTER COLUMN payload TYPE json USING payload::json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
  }
}
