import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The merchant dashboard (docs/dashboard.md):
 * - `dashboard_users`: people who sign in for a merchant, with a role; `password_hash` is an
 *   argon2id PHC string (null until an invitation is accepted); failed sign-ins lock the user
 *   for a while; `totp_secret` is the optional second factor (RFC 6238), enabled once confirmed;
 * - `dashboard_sessions`: the sessions behind the dashboard's cookie (the cookie holds only a
 *   signed random id), expiring; a password reset ends a user's sessions;
 * - `dashboard_tokens`: one-time links for an invitation or a password reset, stored as
 *   SHA-256 hashes, expiring, used once.
 */
export class Dashboard1796256000000 implements MigrationInterface {
  name = 'Dashboard1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dashboard_users (
        id               text        NOT NULL,
        merchant_id      text        NOT NULL,
        email            text        NOT NULL,
        role             text        NOT NULL,
        password_hash    text,
        totp_secret      text,
        totp_enabled     boolean     NOT NULL DEFAULT false,
        failed_sign_ins  integer     NOT NULL DEFAULT 0,
        locked_until     timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_dashboard_users PRIMARY KEY (id),
        CONSTRAINT fk_dashboard_users_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE,
        CONSTRAINT ck_dashboard_users_role CHECK (role IN ('owner', 'developer', 'viewer'))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_dashboard_users_email ON dashboard_users (lower(email))`);
    await queryRunner.query(`
      CREATE TABLE dashboard_sessions (
        sid         text        NOT NULL,
        user_id     text,
        data        jsonb       NOT NULL,
        expires_at  timestamptz NOT NULL,
        CONSTRAINT pk_dashboard_sessions PRIMARY KEY (sid),
        CONSTRAINT fk_dashboard_sessions_user FOREIGN KEY (user_id) REFERENCES dashboard_users (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_dashboard_sessions_user ON dashboard_sessions (user_id)`);
    await queryRunner.query(`CREATE INDEX ix_dashboard_sessions_expires_at ON dashboard_sessions (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE dashboard_tokens (
        token_hash  text        NOT NULL,
        user_id     text        NOT NULL,
        kind        text        NOT NULL,
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_dashboard_tokens PRIMARY KEY (token_hash),
        CONSTRAINT fk_dashboard_tokens_user FOREIGN KEY (user_id) REFERENCES dashboard_users (id) ON DELETE CASCADE,
        CONSTRAINT ck_dashboard_tokens_kind CHECK (kind IN ('invite', 'reset'))
      )`);
    // The payments list: keyset pages per merchant, newest first, with the common filters.
    await queryRunner.query(`CREATE INDEX ix_payments_merchant_status_id ON payments (merchant_id, status, id DESC)`);
    await queryRunner.query(`CREATE INDEX ix_transfers_tx_hash ON transfers (tx_hash)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_transfers_tx_hash`);
    await queryRunner.query(`DROP INDEX ix_payments_merchant_status_id`);
    await queryRunner.query(`DROP TABLE dashboard_tokens`);
    await queryRunner.query(`DROP TABLE dashboard_sessions`);
    await queryRunner.query(`DROP TABLE dashboard_users`);
  }
}
