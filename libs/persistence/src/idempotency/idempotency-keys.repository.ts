import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { MerchantId } from '@kassa/domain';

import { runSql, selectOne } from '../database/sql';

/** The first response to a request made with an `Idempotency-Key` header (Stripe-style). */
export interface IdempotencyRecord {
  merchantId: MerchantId;
  key: string;
  /** Hash of the request the key was first used with; another request with the key is a 409. */
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
  /** The resource the request created, e.g. a payment id. */
  resourceId: string | null;
  createdAt: Date;
}

/** A response to remember: an {@link IdempotencyRecord} before it is stored. */
export type NewIdempotencyRecord = Omit<IdempotencyRecord, 'createdAt'>;

/**
 * The `claimed` common table expression of a statement that stores the records' responses:
 * each key already stored (by a request that came first, or earlier in the same list) is
 * skipped, and `claimed` returns the `resource_id` of every record it stored. Its parameters
 * go through `at`, which adds one and returns its placeholder. The response bodies travel as
 * one JSON array, split by PostgreSQL in order.
 */
export function claimedKeysCte(records: readonly NewIdempotencyRecord[], at: (value: unknown) => string): string {
  const bodies = `[${records.map((record) => JSON.stringify(record.responseBody)).join(',')}]`;
  return `claimed AS (
       INSERT INTO idempotency_keys (merchant_id, key, request_hash, response_status, response_body, resource_id)
       SELECT * FROM unnest(
         ${at(records.map((record) => record.merchantId))}::text[], ${at(records.map((record) => record.key))}::text[],
         ${at(records.map((record) => record.requestHash))}::text[], ${at(records.map((record) => record.responseStatus))}::integer[],
         ARRAY(SELECT body::jsonb FROM json_array_elements(${at(bodies)}::json) WITH ORDINALITY AS b (body, position) ORDER BY position),
         ${at(records.map((record) => record.resourceId))}::text[])
       ON CONFLICT (merchant_id, key) DO NOTHING
       RETURNING resource_id
     )`;
}

interface IdempotencyRow {
  key: string;
  request_hash: string;
  response_status: number;
  response_body: unknown;
  resource_id: string | null;
  created_at: Date;
}

/** Responses remembered per merchant and idempotency key. */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(merchantId: MerchantId, key: string, manager: EntityManager = this.dataSource.manager): Promise<IdempotencyRecord | null> {
    const row = await selectOne<IdempotencyRow>(
      manager,
      `SELECT key, request_hash, response_status, response_body, resource_id, created_at
       FROM idempotency_keys WHERE merchant_id = $1 AND key = $2`,
      [merchantId, key],
    );
    if (!row) return null;
    return {
      merchantId,
      key: row.key,
      requestHash: row.request_hash,
      responseStatus: row.response_status,
      responseBody: row.response_body,
      resourceId: row.resource_id,
      createdAt: row.created_at,
    };
  }

  /**
   * Remembers a response, normally in the transaction that created the resource. When a
   * concurrent request stored the same key first, nothing is written and the result is
   * false: roll back and answer with {@link find}'s record instead.
   */
  async save(record: NewIdempotencyRecord, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const params: unknown[] = [];
    const claimed = claimedKeysCte([record], (value) => `$${params.push(value)}`);
    const row = await selectOne<{ claimed: number }>(manager, `WITH ${claimed} SELECT count(*)::int AS claimed FROM claimed`, params);
    return row!.claimed > 0;
  }

  /** Forgets keys created before `before` (retention); returns how many were deleted. */
  async deleteCreatedBefore(before: Date): Promise<number> {
    const { rowCount } = await runSql(this.dataSource.manager, `DELETE FROM idempotency_keys WHERE created_at < $1`, [before]);
    return rowCount;
  }
}
