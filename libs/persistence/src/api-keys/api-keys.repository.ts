import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, newId, type MerchantId } from '@kassa/domain';

import { runSql, selectOne, selectRows } from '../database/sql';

/** An API key as listed to its merchant (the key itself is never stored). */
export interface ApiKey {
  id: string;
  merchantId: MerchantId;
  /** The first characters of the key, to tell keys apart in lists. */
  prefix: string;
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
}

/** Who an authenticated request acts for. */
export interface ApiKeyPrincipal {
  apiKeyId: string;
  merchantId: MerchantId;
  scopes: string[];
}

interface ApiKeyRow {
  id: string;
  merchant_id: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, merchant_id, prefix, scopes, created_at, last_used_at, revoked_at';

/** `last_used_at` is written at most this often per key, so authentication stays a read. */
export const LAST_USED_PRECISION_SECONDS = 60;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    prefix: row.prefix,
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
      `INSERT INTO api_keys (id, merchant_id, prefix, key_hash, scopes)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING ${COLUMNS}`,
      [newId('apiKey'), key.merchantId, key.prefix, key.keyHash, key.scopes ?? ['read', 'write']],
    );
    return toApiKey(row as ApiKeyRow);
  }

  /**
   * Looks up the key with this hash, unless it is revoked.
   * @param keyHash SHA-256 of the presented key, lowercase hex
   */
  async findActiveByHash(keyHash: string): Promise<ApiKeyPrincipal | null> {
    const row = await selectOne<{ id: string; merchant_id: string; scopes: string[] }>(
      this.dataSource.manager,
      `SELECT id, merchant_id, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return row ? { apiKeyId: row.id, merchantId: asMerchantId(row.merchant_id), scopes: row.scopes } : null;
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
