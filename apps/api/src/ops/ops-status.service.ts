import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { PAYMENT_STATUSES, type PaymentStatus } from '@kassa/domain';
import { ChainStatusRepository } from '@kassa/persistence';

import { chainHealth, type ChainHealth } from '../health/chain-health';

/** A webhook endpoint whose deliveries fail, as the status page lists it. */
export interface FailingEndpoint {
  endpointId: string;
  merchantId: string;
  url: string;
  /** Deliveries given up on (last 24 h). */
  failed: number;
  /** Deliveries being retried after at least one failed attempt. */
  retrying: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
}

/** What `/ops` shows. */
export interface OpsStatus {
  generatedAt: Date;
  chains: ChainHealth[];
  /** Payments created in the last hour, by their status now. */
  paymentsLastHour: Record<PaymentStatus, number>;
  failingEndpoints: FailingEndpoint[];
}

/** Endpoints listed at most on the page, worst first. */
const MAX_FAILING_ENDPOINTS = 20;

interface FailingRow {
  endpoint_id: string;
  merchant_id: string;
  url: string;
  failed: string;
  retrying: string;
  last_error: string | null;
  last_attempt_at: Date | null;
}

/** Reads the operator status page's figures from the database (see docs/operations.md "Status page"). */
@Injectable()
export class OpsStatusService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chainStatuses: ChainStatusRepository,
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
  ) {}

  /** @throws the database error */
  async read(now: Date = new Date()): Promise<OpsStatus> {
    const [reports, counts, failing] = await Promise.all([
      this.chainStatuses.list(this.config.chains.map((chain) => chain.chainId)),
      this.dataSource.query<{ status: PaymentStatus; count: string }[]>(
        `SELECT status, count(*) AS count FROM payments WHERE created_at > now() - interval '1 hour' GROUP BY status`,
      ),
      this.dataSource.query<FailingRow[]>(
        `SELECT w.id AS endpoint_id, w.merchant_id, w.url,
                count(*) FILTER (WHERE d.status = 'failed') AS failed,
                count(*) FILTER (WHERE d.status IN ('pending', 'delivering')) AS retrying,
                (SELECT coalesce('HTTP ' || a.status_code, a.error) FROM webhook_attempts a JOIN webhook_deliveries ld ON ld.id = a.delivery_id
                  WHERE ld.endpoint_id = w.id ORDER BY a.started_at DESC LIMIT 1) AS last_error,
                max(d.last_attempt_at) AS last_attempt_at
           FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
          WHERE (d.status = 'failed' AND d.updated_at > now() - interval '24 hours')
             OR (d.status IN ('pending', 'delivering') AND d.attempt_count > 0)
          GROUP BY w.id, w.merchant_id, w.url
          ORDER BY count(*) DESC, w.id
          LIMIT ${MAX_FAILING_ENDPOINTS}`,
      ),
    ]);
    const byChain = new Map(reports.map((report) => [report.chainId, report]));
    const byStatus = new Map(counts.map((row) => [row.status, Number(row.count)]));
    return {
      generatedAt: now,
      chains: this.config.chains.map((chain) => chainHealth(chain, byChain.get(chain.chainId), now, this.config.health.maxLagBlocks)),
      paymentsLastHour: Object.fromEntries(PAYMENT_STATUSES.map((status) => [status, byStatus.get(status) ?? 0])) as Record<PaymentStatus, number>,
      failingEndpoints: failing.map((row) => ({
        endpointId: row.endpoint_id,
        merchantId: row.merchant_id,
        url: row.url,
        failed: Number(row.failed),
        retrying: Number(row.retrying),
        lastError: row.last_error,
        lastAttemptAt: row.last_attempt_at,
      })),
    };
  }
}
