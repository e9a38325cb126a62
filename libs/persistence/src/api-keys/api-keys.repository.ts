import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, newId, type MerchantId } from '@kassa/domain';

import { runSql, selectOne, selectRows } from '../database/sql';
import { type Merchant, MERCHANT_COLUMNS, type MerchantRow, toMerchant } from '../merchants/merchants.repository';

/** An API key as listed to its merchant (the key itself is never stored). */
export interface ApiKey {
  id: string;
  merchantId: MerchantId;
  /** The first characters of the key, to tell keys apart in lists. */
  prefix: string;
  /** The merchant's label for the key, or null. */
  name: string | null;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKey {
  merchantId: MerchantId;
  prefix: string;
  /** SHA-256 of the full key, lowercase hex. */
  keyHash: string;
  /** Default `['read', 'write']`. */
  scopes?: string[];
  name?: string | null;
}

/** What {@link ApiKeysRepository.revokeKeepingOne} did. */
export type RevokeOutcome = 'revoked' | 'not_found' | 'last_active_key';

/** Who an authenticated request acts for. */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  merchantId: MerchantId;
  scopes: string[];
  /** The merchant with its settings as of this request, read with the key (one query). */
  merchant: Merchant;
}

interface ApiKeyRow {
  id: string;
  merchant_id: string;
  prefix: string;
  name: string | null;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, merchant_id, prefix, name, scopes, created_at, last_used_at, revoked_at';

/** `last_used_at` is written at most this often per key, so authentication stays a read. */
export const LAST_USED_PRECISION_SECONDS = 60;

/**
 * Channel on which PostgreSQL announces (by trigger, at commit, whoever writes) that what an
 * API key authenticates as may have changed: a key revoked or changed, its merchant's
 * settings or treasuries. The payload is the merchant id.
 */
export const PRINCIPAL_CHANGES_CHANNEL = 'kassa_principals';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    prefix: row.prefix,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Merchants' API keys, stored as SHA-256 hashes. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new key's hash. @throws the database error when the hash already exists */
  async create(key: NewApiKey, manager: EntityManager = this.dataSource.manager): Promise<ApiKey> {
    const row = await selectOne<ApiKeyRow>(
      manager,
      `INSERT INTO api_keys (id, merchant_id, prefix, key_hash, scopes, name)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${COLUMNS}`,
      [newId('apiKey'), key.merchantId, key.prefix, key.keyHash, key.scopes ?? ['read', 'write'], key.name ?? null],
    );
    return toApiKey(row as ApiKeyRow);
  }

  /**
   * Looks up the key with this hash, unless it is revoked, with its merchant's settings in
   * the same query (authentication runs on every request; the create-payment path needs the
   * settings right after).
   * @param keyHash SHA-256 of the presented key, lowercase hex
   */
  async findActiveByHash(keyHash: string): Promise<ApiKeyPrincipal | null> {
    const row = await selectOne<MerchantRow & { api_key_id: string; scopes: string[] }>(
      this.dataSource.manager,
      `SELECT api_keys.id AS api_key_id, api_keys.scopes, ${MERCHANT_COLUMNS}
       FROM api_keys JOIN merchants ON merchants.id = api_keys.merchant_id
       WHERE api_keys.key_hash = $1 AND api_keys.revoked_at IS NULL`,
      [keyHash],
    );
    if (!row) return null;
    const merchant = toMerchant(row);
    return { apiKeyId: row.api_key_id, merchantId: merchant.id, scopes: row.scopes, merchant };
  }

  /**
   * Records that a key was used. Writes only when the recorded time is older than
   * {@link LAST_USED_PRECISION_SECONDS}, so calling it on every request is cheap.
   */
  async touchLastUsed(apiKeyId: string, now: Date = new Date()): Promise<void> {
    await runSql(
      this.dataSource.manager,
      `UPDATE api_keys SET last_used_at = $2
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - make_interval(secs => $3))`,
      [apiKeyId, now, LAST_USED_PRECISION_SECONDS],
    );
  }

  /** The merchant's keys, revoked ones included, newest first. */
  async list(merchantId: MerchantId): Promise<ApiKey[]> {
    const rows = await selectRows<ApiKeyRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM api_keys WHERE merchant_id = $1 ORDER BY id DESC`,
      [merchantId],
    );
    return rows.map(toApiKey);
  }

  /** The merchant's key with this id (revoked or not), or null. */
  async findById(merchantId: MerchantId, apiKeyId: string): Promise<ApiKey | null> {
    const row = await selectOne<ApiKeyRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM api_keys WHERE merchant_id = $1 AND id = $2`,
      [merchantId, apiKeyId],
    );
    return row ? toApiKey(row) : null;
  }

  /**
   * Revokes a key of this merchant unless it is the merchant's last active key, so a
   * merchant cannot lock itself out of the API (only an operator can then help). Revoking
   * a revoked key succeeds and keeps the first revocation time. Concurrent revocations are
   * serialised on the merchant's row, so two requests cannot revoke the last two keys.
   */
  async revokeKeepingOne(merchantId: MerchantId, apiKeyId: string, now: Date = new Date()): Promise<RevokeOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const merchant = await selectOne(manager, `SELECT id FROM merchants WHERE id = $1 FOR UPDATE`, [merchantId]);
      if (!merchant) return 'not_found';
      const row = await selectOne<{ revoked: boolean; others_active: number }>(
        manager,
        `SELECT revoked_at IS NOT NULL AS revoked,
                (SELECT count(*)::int FROM api_keys AS other
                 WHERE other.merchant_id = $1 AND other.id <> $2 AND other.revoked_at IS NULL) AS others_active
         FROM api_keys WHERE merchant_id = $1 AND id = $2`,
        [merchantId, apiKeyId],
      );
      if (!row) return 'not_found';
      if (!row.revoked && row.others_active === 0) return 'last_active_key';
      await runSql(manager, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE merchant_id = $1 AND id = $2`, [
        merchantId,
        apiKeyId,
        now,
      ]);
      return 'revoked';
    });
  }

  /**
   * Revokes a key of this merchant; revoking a revoked key keeps the first revocation time.
   * @returns false when the merchant has no key with this id
   */
  async revoke(merchantId: MerchantId, apiKeyId: string, now: Date = new Date()): Promise<boolean> {
    const { rowCount } = await runSql(
      this.dataSource.manager,
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE merchant_id = $1 AND id = $2`,
      [merchantId, apiKeyId, now],
    );
    return rowCount > 0;
  }
}
