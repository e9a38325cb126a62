import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, newId, type Address, type MerchantId } from '@kassa/domain';

import { runSql, selectOne } from '../database/sql';

/** A merchant (tenant) and its payment defaults. */
export interface Merchant {
  id: MerchantId;
  name: string;
  /** Where deposit addresses forward funds; every deposit address commits to it. */
  treasuryAddress: Address;
  /** Underpayment tolerance, percent as a decimal string in [0, 100), e.g. "0.50". */
  tolerancePercent: string;
  defaultExpiresInSeconds: number;
  /** Origins the embedded checkout may post `kassa:payment` messages to. */
  allowedOrigins: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface NewMerchant {
  /** Defaults to a new `mer_` id. */
  id?: MerchantId;
  name: string;
  treasuryAddress: Address;
  /** Default "0". */
  tolerancePercent?: string;
  /** Default 1800 (30 minutes). */
  defaultExpiresInSeconds?: number;
  allowedOrigins?: string[];
}

/** The settings a merchant may change; omitted fields keep their value. */
export type MerchantSettings = Partial<
  Pick<Merchant, 'name' | 'treasuryAddress' | 'tolerancePercent' | 'defaultExpiresInSeconds' | 'allowedOrigins'>
>;

interface MerchantRow {
  id: string;
  name: string;
  treasury_address: string;
  tolerance_percent: string;
  default_expires_in_seconds: number;
  allowed_origins: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, treasury_address, tolerance_percent, default_expires_in_seconds, allowed_origins, created_at, updated_at`;

const SETTING_COLUMNS: { [K in keyof Required<MerchantSettings>]: string } = {
  name: 'name',
  treasuryAddress: 'treasury_address',
  tolerancePercent: 'tolerance_percent',
  defaultExpiresInSeconds: 'default_expires_in_seconds',
  allowedOrigins: 'allowed_origins',
};

function toMerchant(row: MerchantRow): Merchant {
  return {
    id: asMerchantId(row.id),
    name: row.name,
    treasuryAddress: row.treasury_address as Address,
    tolerancePercent: row.tolerance_percent,
    defaultExpiresInSeconds: row.default_expires_in_seconds,
    allowedOrigins: row.allowed_origins,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Merchants (tenants). */
@Injectable()
export class MerchantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a merchant.
   * @throws the database error on a duplicate id or a tolerance outside [0, 100)
   */
  async create(merchant: NewMerchant, manager: EntityManager = this.dataSource.manager): Promise<Merchant> {
    const row = await selectOne<MerchantRow>(
      manager,
      `INSERT INTO merchants (id, name, treasury_address, tolerance_percent, default_expires_in_seconds, allowed_origins)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${COLUMNS}`,
      [
        merchant.id ?? newId('merchant'),
        merchant.name,
        merchant.treasuryAddress,
        merchant.tolerancePercent ?? '0',
        merchant.defaultExpiresInSeconds ?? 1800,
        merchant.allowedOrigins ?? [],
      ],
    );
    return toMerchant(row as MerchantRow);
  }

  async findById(id: MerchantId, manager: EntityManager = this.dataSource.manager): Promise<Merchant | null> {
    const row = await selectOne<MerchantRow>(manager, `SELECT ${COLUMNS} FROM merchants WHERE id = $1`, [id]);
    return row ? toMerchant(row) : null;
  }

  /**
   * Changes a merchant's settings; fields left out keep their value.
   * @returns the updated merchant, or null when there is no such merchant
   */
  async updateSettings(
    id: MerchantId,
    settings: MerchantSettings,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Merchant | null> {
    const params: unknown[] = [id];
    const assignments = ['updated_at = now()'];
    for (const [field, column] of Object.entries(SETTING_COLUMNS) as [keyof MerchantSettings, string][]) {
      if (settings[field] === undefined) continue;
      params.push(settings[field]);
      assignments.push(`${column} = $${params.length}`);
    }
    const { rows } = await runSql<MerchantRow>(
      manager,
      `UPDATE merchants SET ${assignments.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
      params,
    );
    return rows[0] ? toMerchant(rows[0]) : null;
  }
}
