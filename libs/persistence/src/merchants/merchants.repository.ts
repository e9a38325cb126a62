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
  /** Treasury per EIP-155 chain id (decimal string key); chains not listed use {@link Merchant.treasuryAddress}. */
  treasuries: Record<string, Address>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The treasury a new payment on `chainId` commits its deposit address to: the merchant's
 * treasury for that chain, else its default treasury (issue 5, "treasury address per chain").
 */
export function treasuryForChain(merchant: Pick<Merchant, 'treasuryAddress' | 'treasuries'>, chainId: number): Address {
  return merchant.treasuries[String(chainId)] ?? merchant.treasuryAddress;
}

/** Per-chain treasury changes: an address sets the chain's treasury, null removes it (back to the default). */
export type TreasuryChanges = Record<string, Address | null>;

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

/** A `merchants` row as selected with {@link MERCHANT_COLUMNS}. */
export interface MerchantRow {
  id: string;
  name: string;
  treasury_address: string;
  tolerance_percent: string;
  default_expires_in_seconds: number;
  allowed_origins: string[];
  treasuries: Record<string, string> | null;
  created_at: Date;
  updated_at: Date;
}

/** The select list of a merchant with its per-chain treasuries (table `merchants` unaliased). */
export const MERCHANT_COLUMNS = `merchants.id, merchants.name, merchants.treasury_address, merchants.tolerance_percent,
  merchants.default_expires_in_seconds, merchants.allowed_origins, merchants.created_at, merchants.updated_at,
  (SELECT jsonb_object_agg(t.chain_id::text, t.treasury_address) FROM merchant_treasuries AS t WHERE t.merchant_id = merchants.id) AS treasuries`;
const COLUMNS = MERCHANT_COLUMNS;

const SETTING_COLUMNS: { [K in keyof Required<MerchantSettings>]: string } = {
  name: 'name',
  treasuryAddress: 'treasury_address',
  tolerancePercent: 'tolerance_percent',
  defaultExpiresInSeconds: 'default_expires_in_seconds',
  allowedOrigins: 'allowed_origins',
};

/** Maps a row selected with {@link MERCHANT_COLUMNS}. */
export function toMerchant(row: MerchantRow): Merchant {
  return {
    id: asMerchantId(row.id),
    name: row.name,
    treasuryAddress: row.treasury_address as Address,
    tolerancePercent: row.tolerance_percent,
    defaultExpiresInSeconds: row.default_expires_in_seconds,
    allowedOrigins: row.allowed_origins,
    treasuries: (row.treasuries ?? {}) as Record<string, Address>,
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

  /**
   * Sets or removes per-chain treasuries (in `manager`'s transaction when given, e.g. with
   * {@link updateSettings}). Payments already created keep the treasury they were created with.
   * @param changes chain id (decimal string) to address, or null to fall back to the default treasury
   */
  async setTreasuries(id: MerchantId, changes: TreasuryChanges, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const entries = Object.entries(changes);
    const set = entries.filter((entry): entry is [string, Address] => entry[1] !== null);
    const removed = entries.filter(([, address]) => address === null).map(([chainId]) => Number(chainId));
    if (removed.length > 0) {
      await runSql(manager, `DELETE FROM merchant_treasuries WHERE merchant_id = $1 AND chain_id = ANY ($2::int[])`, [id, removed]);
    }
    if (set.length > 0) {
      await runSql(
        manager,
        `INSERT INTO merchant_treasuries (merchant_id, chain_id, treasury_address)
         SELECT $1, chain_id, address FROM unnest($2::int[], $3::text[]) AS t (chain_id, address)
         ON CONFLICT ON CONSTRAINT pk_merchant_treasuries
         DO UPDATE SET treasury_address = EXCLUDED.treasury_address, updated_at = now()`,
        [id, set.map(([chainId]) => Number(chainId)), set.map(([, address]) => address)],
      );
    }
  }
}
