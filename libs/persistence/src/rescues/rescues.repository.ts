import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type Address, type Hex, newId } from '@kassa/domain';

import { runSql, selectRows } from '../database/sql';

/** What one rescue moved of one coin: base units; `token` null for the native coin. */
export interface RescuedAmount {
  token: Address | null;
  amount: bigint;
}

/** A rescue as stored: one flush transaction on a chain Kassa does not watch. */
export interface Rescue {
  id: string;
  paymentId: string;
  chainId: number;
  depositAddress: Address;
  treasuryAddress: Address;
  txHash: Hex;
  moved: RescuedAmount[];
  createdAt: Date;
}

interface RescueRow {
  id: string;
  payment_id: string;
  chain_id: number;
  deposit_address: Address;
  treasury_address: Address;
  tx_hash: Hex;
  moved: { token: Address | null; amount: string }[];
  created_at: Date;
}

/** Rescues of coins sent on chains Kassa does not watch (`kassa rescue`). */
@Injectable()
export class RescuesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a mined rescue flush with what it moved (amounts as decimal strings in JSON).
   * @throws the database error for an unknown payment or a transaction recorded twice
   */
  async insert(rescue: Omit<Rescue, 'id' | 'createdAt'>): Promise<Rescue> {
    const id = newId('rescue');
    const moved = rescue.moved.map(({ token, amount }) => ({ token, amount: amount.toString() }));
    await runSql(
      this.dataSource.manager,
      `INSERT INTO rescues (id, payment_id, chain_id, deposit_address, treasury_address, tx_hash, moved) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, rescue.paymentId, rescue.chainId, rescue.depositAddress, rescue.treasuryAddress, rescue.txHash, JSON.stringify(moved)],
    );
    return { ...rescue, id, createdAt: new Date() };
  }

  /** The payment's rescues, oldest first. */
  async listByPayment(paymentId: string): Promise<Rescue[]> {
    const rows = await selectRows<RescueRow>(this.dataSource.manager, `SELECT * FROM rescues WHERE payment_id = $1 ORDER BY id`, [paymentId]);
    return rows.map((row) => ({
      id: row.id,
      paymentId: row.payment_id,
      chainId: row.chain_id,
      depositAddress: row.deposit_address,
      treasuryAddress: row.treasury_address,
      txHash: row.tx_hash,
      moved: row.moved.map(({ token, amount }) => ({ token, amount: BigInt(amount) })),
      createdAt: row.created_at,
    }));
  }
}
