import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each chain's leader epoch: a fencing token (DESIGN.md "Processes"). A watcher that takes
 * a chain's leader lock increments it; every write of a leader checks, under a share lock
 * of the row, that the epoch is still the one it took, so a leader that hung and was
 * replaced cannot write when it resumes (docs/watcher.md "Leadership").
 */
export class WatcherLeaders1795996800000 implements MigrationInterface {
  name = 'WatcherLeaders1795996800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE watcher_leaders (
        chain_id integer NOT NULL,
        epoch bigint NOT NULL,
        leader text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_watcher_leaders PRIMARY KEY (chain_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE watcher_leaders`);
  }
}
