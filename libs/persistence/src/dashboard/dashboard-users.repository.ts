import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, type DashboardRole, type DashboardUser, LOCKOUT_MS, MAX_FAILED_SIGN_INS, type MerchantId } from '@kassa/domain';

import { runSql, selectOne, selectRows } from '../database/sql';

interface UserRow {
  id: string;
  merchant_id: string;
  email: string;
  role: DashboardRole;
  password_hash: string | null;
  totp_secret: string | null;
  totp_enabled: boolean;
  failed_sign_ins: number;
  locked_until: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, merchant_id, email, role, password_hash, totp_secret, totp_enabled, failed_sign_ins, locked_until, created_at';

function toUser(row: UserRow): DashboardUser {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    email: row.email,
    role: row.role,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpEnabled: row.totp_enabled,
    failedSignIns: row.failed_sign_ins,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
  };
}

/** SHA-256 hex of a one-time link token: only the hash is stored. */
export const hashDashboardToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Dashboard users and their one-time links (`dashboard_users`, `dashboard_tokens`,
 * docs/dashboard.md). Emails compare case-insensitively.
 */
@Injectable()
export class DashboardUsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds a user (no password yet: an invitation sets it).
   * @throws QueryFailedError on `uq_dashboard_users_email` when the email is taken
   */
  async insert(user: Pick<DashboardUser, 'id' | 'merchantId' | 'email' | 'role'>, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await runSql(manager, `INSERT INTO dashboard_users (id, merchant_id, email, role) VALUES ($1, $2, $3, $4)`, [user.id, user.merchantId, user.email, user.role]);
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<DashboardUser | null> {
    const row = await selectOne<UserRow>(manager, `SELECT ${COLUMNS} FROM dashboard_users WHERE id = $1`, [id]);
    return row ? toUser(row) : null;
  }

  async findByEmail(email: string): Promise<DashboardUser | null> {
    const row = await selectOne<UserRow>(this.dataSource.manager, `SELECT ${COLUMNS} FROM dashboard_users WHERE lower(email) = lower($1)`, [email]);
    return row ? toUser(row) : null;
  }

  async listByMerchant(merchantId: MerchantId): Promise<DashboardUser[]> {
    const rows = await selectRows<UserRow>(this.dataSource.manager, `SELECT ${COLUMNS} FROM dashboard_users WHERE merchant_id = $1 ORDER BY id`, [merchantId]);
    return rows.map(toUser);
  }

  /** Sets the password (an argon2id hash), clears the lock, and ends the user's sessions. */
  async setPassword(id: string, passwordHash: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await runSql(manager, `UPDATE dashboard_users SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL, updated_at = now() WHERE id = $1`, [id, passwordHash]);
    await runSql(manager, `DELETE FROM dashboard_sessions WHERE user_id = $1`, [id]);
  }

  /**
   * Counts a failed sign-in; the {@link MAX_FAILED_SIGN_INS}th in a row locks the user for
   * {@link LOCKOUT_MS} (and starts the count again).
   * @returns the user as it stands now
   */
  async recordFailedSignIn(id: string, now: Date): Promise<DashboardUser | null> {
    const row = await selectOne<UserRow>(
      this.dataSource.manager,
      `UPDATE dashboard_users
       SET failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END,
           locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END,
           updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, MAX_FAILED_SIGN_INS, new Date(now.getTime() + LOCKOUT_MS)],
    );
    return row ? toUser(row) : null;
  }

  async recordSignIn(id: string): Promise<void> {
    await runSql(this.dataSource.manager, `UPDATE dashboard_users SET failed_sign_ins = 0, locked_until = NULL, updated_at = now() WHERE id = $1`, [id]);
  }

  /** Stores a TOTP secret being enrolled (`enabled` false) or confirmed (`enabled` true); null removes it. */
  async setTotp(id: string, secret: string | null, enabled: boolean): Promise<void> {
    await runSql(this.dataSource.manager, `UPDATE dashboard_users SET totp_secret = $2, totp_enabled = $3, updated_at = now() WHERE id = $1`, [id, secret, enabled]);
  }

  /** Stores a one-time link token's hash for the user. */
  async insertToken(userId: string, token: string, kind: 'invite' | 'reset', expiresAt: Date): Promise<void> {
    await runSql(this.dataSource.manager, `INSERT INTO dashboard_tokens (token_hash, user_id, kind, expires_at) VALUES ($1, $2, $3, $4)`, [hashDashboardToken(token), userId, kind, expiresAt]);
  }

  /**
   * Uses a one-time link token: marks it used, once, if it has not expired.
   * @returns the user it was for, or null (unknown, used or expired)
   */
  async useToken(token: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<DashboardUser | null> {
    const row = await selectOne<{ user_id: string }>(
      manager,
      `UPDATE dashboard_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id`,
      [hashDashboardToken(token), now],
    );
    return row ? this.findById(row.user_id, manager) : null;
  }

  /** True when the token is unused and has not expired (the page that asks for the new password). */
  async tokenValid(token: string, now: Date): Promise<boolean> {
    const row = await selectOne(this.dataSource.manager, `SELECT 1 FROM dashboard_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`, [hashDashboardToken(token), now]);
    return row !== null;
  }
}

/** A stored dashboard session: what `@fastify/session` keeps, by its random id. */
@Injectable()
export class DashboardSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(sid: string, now: Date): Promise<Record<string, unknown> | null> {
    const row = await selectOne<{ data: Record<string, unknown> }>(this.dataSource.manager, `SELECT data FROM dashboard_sessions WHERE sid = $1 AND expires_at > $2`, [sid, now]);
    return row?.data ?? null;
  }

  async set(sid: string, data: Record<string, unknown>, userId: string | null, expiresAt: Date): Promise<void> {
    await runSql(
      this.dataSource.manager,
      `INSERT INTO dashboard_sessions (sid, user_id, data, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sid) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      [sid, userId, JSON.stringify(data), expiresAt],
    );
  }

  async destroy(sid: string): Promise<void> {
    await runSql(this.dataSource.manager, `DELETE FROM dashboard_sessions WHERE sid = $1`, [sid]);
  }

  /** Forgets expired sessions; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    return (await runSql(this.dataSource.manager, `DELETE FROM dashboard_sessions WHERE expires_at <= $1`, [now])).rowCount;
  }
}
