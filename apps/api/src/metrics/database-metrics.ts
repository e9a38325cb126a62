import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { PAYMENT_STATUSES } from '@kassa/domain';
import { KassaMetrics } from '@kassa/observability';
import { ChainStatusRepository } from '@kassa/persistence';

import { chainHealth } from '../health/chain-health';

interface QueueRow {
  depth: string;
  oldest_age_seconds: number | null;
  failing_endpoints: string;
  settlement_shortfalls: string;
}

/** Deliveries that failed within this window count towards `kassa_webhook_failing_endpoints`. */
const FAILING_ENDPOINT_WINDOW = '24 hours';

/**
 * Fills the gauges that describe the shared state in PostgreSQL, at scrape time: each
 * configured chain as its leading watcher reported it (`chain_status`), payments by status
 * and the webhook delivery queue. Read from the database, so any api replica reports them
 * whichever machine the watcher and workers run on.
 */
@Injectable()
export class DatabaseMetrics {
  constructor(
    private readonly metrics: KassaMetrics,
    private readonly dataSource: DataSource,
    private readonly chainStatuses: ChainStatusRepository,
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
  ) {}

  /**
   * Reads the database and sets the gauges; a chain never reported keeps no series but
   * `kassa_chain_up` 0.
   * @throws the database error (the scrape then fails, which Prometheus records as `up` 0)
   */
  async refresh(now: Date = new Date()): Promise<void> {
    const [reports, statusRows, queue] = await Promise.all([
      this.chainStatuses.list(this.config.chains.map((chain) => chain.chainId)),
      this.dataSource.query<{ status: string; count: string }[]>('SELECT status, count(*) AS count FROM payments GROUP BY status'),
      // Each part reads a partial index: ix_webhook_deliveries_due (queued), ix_webhook_deliveries_failed_updated_at.
      this.dataSource.query<QueueRow[]>(
        `SELECT (SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending', 'delivering')) AS depth,
                (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM webhook_deliveries WHERE status IN ('pending', 'delivering')) AS oldest_age_seconds,
                (SELECT count(DISTINCT endpoint_id) FROM (
                   SELECT endpoint_id FROM webhook_deliveries WHERE status IN ('pending', 'delivering') AND attempt_count > 0
                   UNION
                   SELECT endpoint_id FROM webhook_deliveries WHERE status = 'failed' AND updated_at > now() - interval '${FAILING_ENDPOINT_WINDOW}'
                 ) AS failing) AS failing_endpoints,
                -- Payments whose latest settlement on a chain found the deposit address short of counted money.
                (SELECT count(*) FROM (
                   SELECT DISTINCT ON (payment_id, chain_id) shortfall FROM settlements ORDER BY payment_id, chain_id, id DESC
                 ) AS latest WHERE shortfall) AS settlement_shortfalls`,
      ),
    ]);

    const byChain = new Map(reports.map((report) => [report.chainId, report]));
    for (const chain of this.config.chains) {
      const labels = { chain_id: String(chain.chainId), chain: chain.name };
      const report = byChain.get(chain.chainId);
      const health = chainHealth(chain, report, now, this.config.health.maxLagBlocks);
      this.metrics.chainUp.set(labels, health.status === 'ok' ? 1 : 0);
      if (!report) continue;
      setOrRemove(this.metrics.chainHeadBlock, labels, report.headBlock === null ? null : Number(report.headBlock));
      setOrRemove(this.metrics.chainProcessedBlock, labels, report.cursorBlock === null ? null : Number(report.cursorBlock));
      setOrRemove(this.metrics.chainLagBlocks, labels, health.lagBlocks);
      setOrRemove(this.metrics.chainLagSeconds, labels, health.lagSeconds);
      setOrRemove(this.metrics.chainHeadAgeSeconds, labels, health.headAgeSeconds);
      setOrRemove(this.metrics.chainBehindHeadSeconds, labels, health.behindHeadSeconds);
      this.metrics.chainStatusAgeSeconds.set(labels, Math.max(0, (now.getTime() - report.updatedAt.getTime()) / 1000));
      this.metrics.chainConsecutiveFailures.set(labels, report.consecutiveFailures);
    }

    const counts = new Map(statusRows.map((row) => [row.status, Number(row.count)]));
    for (const status of PAYMENT_STATUSES) this.metrics.payments.set({ status }, counts.get(status) ?? 0);

    const row = queue[0];
    this.metrics.webhookQueueDepth.set(Number(row?.depth ?? 0));
    this.metrics.webhookOldestPendingAge.set(Math.max(0, row?.oldest_age_seconds ?? 0));
    this.metrics.webhookFailingEndpoints.set(Number(row?.failing_endpoints ?? 0));
    this.metrics.settlementShortfalls.set(Number(row?.settlement_shortfalls ?? 0));
  }
}

function setOrRemove(gauge: KassaMetrics['chainHeadBlock'], labels: { chain_id: string; chain: string }, value: number | null): void {
  if (value === null) gauge.remove(labels);
  else gauge.set(labels, value);
}
