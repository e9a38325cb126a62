import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { defaultSettlementPolicy, type MerchantId, type SettlementMode, type SettlementPolicy } from '@kassa/domain';

import { selectOne, selectRows } from '../database/sql';

interface PolicyRow {
  merchant_id: string;
  mode: SettlementMode;
  thresholds: Record<string, string>;
  interval_seconds: number | null;
  max_wait_seconds: number | null;
  updated_at: Date;
}

const COLUMNS = 'merchant_id, mode, thresholds, interval_seconds, max_wait_seconds, updated_at';

function toPolicy(row: PolicyRow): SettlementPolicy {
  return {
    mode: row.mode,
    thresholds: row.thresholds,
    intervalSeconds: row.interval_seconds,
    maxWaitSeconds: row.max_wait_seconds,
    updatedAt: row.updated_at,
  };
}

/** Merchants' settlement policies (`settlement_policies`); a merchant without a row settles immediately. */
@Injectable()
export class SettlementPoliciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The merchant's policy, or {@link defaultSettlementPolicy} (immediate) when it never set one. */
  async get(merchantId: MerchantId, manager: EntityManager = this.dataSource.manager): Promise<SettlementPolicy> {
    const row = await selectOne<PolicyRow>(manager, `SELECT ${COLUMNS} FROM settlement_policies WHERE merchant_id = $1`, [merchantId]);
    return row ? toPolicy(row) : defaultSettlementPolicy();
  }

  /** The policies of several merchants; merchants without a row are missing from the map. */
  async getMany(merchantIds: readonly MerchantId[], manager: EntityManager = this.dataSource.manager): Promise<Map<MerchantId, SettlementPolicy>> {
    if (merchantIds.length === 0) return new Map();
    const rows = await selectRows<PolicyRow>(
      manager,
      `SELECT ${COLUMNS} FROM settlement_policies WHERE merchant_id = ANY ($1::text[])`,
      [merchantIds],
      { prepared: true },
    );
    return new Map(rows.map((row) => [row.merchant_id as MerchantId, toPolicy(row)]));
  }

  /**
   * Sets the merchant's whole policy (validated by the caller with `normaliseSettlementPolicy`);
   * `updatedAt` becomes now, which restarts a schedule's intervals.
   * @throws the database error (foreign key) for an unknown merchant
   */
  async put(merchantId: MerchantId, policy: Omit<SettlementPolicy, 'updatedAt'>, manager: EntityManager = this.dataSource.manager): Promise<SettlementPolicy> {
    const row = await selectOne<PolicyRow>(
      manager,
      `INSERT INTO settlement_policies (merchant_id, mode, thresholds, interval_seconds, max_wait_seconds)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT pk_settlement_policies DO UPDATE
         SET mode = EXCLUDED.mode, thresholds = EXCLUDED.thresholds, interval_seconds = EXCLUDED.interval_seconds,
             max_wait_seconds = EXCLUDED.max_wait_seconds, updated_at = now()
       RETURNING ${COLUMNS}`,
      [merchantId, policy.mode, JSON.stringify(policy.thresholds), policy.intervalSeconds, policy.maxWaitSeconds],
    );
    return toPolicy(row as PolicyRow);
  }
}
