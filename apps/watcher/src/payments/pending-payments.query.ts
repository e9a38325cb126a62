import type { EntityManager } from 'typeorm';

import { selectRows } from '@kassa/persistence';

/**
 * Ids of a chain's PENDING payments (value seen, not yet paid), read through the
 * `ix_payments_chain_id_status` index. Bounded by the payments waiting for confirmations or
 * a top-up, never by all payments.
 */
export async function pendingPaymentIds(manager: EntityManager, chainId: number): Promise<string[]> {
  const rows = await selectRows<{ id: string }>(manager, `SELECT id FROM payments WHERE chain_id = $1 AND status = 'PENDING'`, [chainId]);
  return rows.map((row) => row.id);
}
