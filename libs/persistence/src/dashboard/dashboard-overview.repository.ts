import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { MerchantId, PaymentStatus } from '@kassa/domain';

import { selectRows } from '../database/sql';

/** Confirmed value received per day and coin, a decimal string in the coin. */
export interface DailyVolume {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  currency: string;
  amount: string;
}

/** An endpoint whose deliveries are failing: how many failed or wait for a retry after failing. */
export interface FailingEndpoint {
  id: string;
  url: string;
  failing: number;
}

/**
 * The figures of the dashboard's overview (docs/dashboard.md), each one aggregate query over
 * the merchant's rows.
 */
@Injectable()
export class DashboardOverviewRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** What the merchant's PAID payments received, per UTC day of `paid_at` and coin, since `since`. */
  async volumeByDay(merchantId: MerchantId, since: Date): Promise<DailyVolume[]> {
    return selectRows<DailyVolume>(
      this.dataSource.manager,
      `SELECT to_char(date_trunc('day', paid_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, currency,
              trim_scale(sum(amount_received::numeric / power(10::numeric, token_decimals)))::text AS amount
       FROM payments WHERE merchant_id = $1 AND status = 'PAID' AND paid_at >= $2
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [merchantId, since],
    );
  }

  /** How many of the merchant's payments stand in each status. */
  async countByStatus(merchantId: MerchantId): Promise<{ status: PaymentStatus; count: number }[]> {
    const rows = await selectRows<{ status: PaymentStatus; count: string }>(
      this.dataSource.manager,
      `SELECT status, count(*)::text AS count FROM payments WHERE merchant_id = $1 GROUP BY status ORDER BY status`,
      [merchantId],
    );
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  /** The merchant's endpoints with deliveries that failed, or wait for a retry after a failed attempt. */
  async failingEndpoints(merchantId: MerchantId): Promise<FailingEndpoint[]> {
    const rows = await selectRows<{ id: string; url: string; failing: string }>(
      this.dataSource.manager,
      `SELECT e.id, e.url, count(*)::text AS failing
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE e.merchant_id = $1 AND (d.status = 'failed' OR (d.status IN ('pending', 'delivering') AND d.attempt_count > 0))
       GROUP BY e.id, e.url ORDER BY e.id`,
      [merchantId],
    );
    return rows.map((row) => ({ id: row.id, url: row.url, failing: Number(row.failing) }));
  }
}
