import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes of one webhook delivery attempt, as the worker records it. */
export type DeliveryAttemptOutcome = 'delivered' | 'retried' | 'failed' | 'unrecorded';

/** Seconds: from a second to an hour, for confirmation waits (blocks every 1-15 s, 1-64 confirmations). */
const CONFIRMATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600];
/** Seconds: from 100 ms to 10 min, for how late the watcher records a mined transfer. */
const RECORD_DELAY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];
/** Seconds, for one RPC request or one webhook POST. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every Prometheus metric of Kassa, in one registry per process (the embedded default
 * serves the three apps' metrics from one registry on the api's `/metrics`).
 *
 * Names carry their unit (`_seconds`, `_blocks`, `_total` for counters) and labels are
 * bounded sets: chain id and name (from the configuration), payment status, delivery
 * outcome, JSON-RPC method. A payment, event or endpoint id is never a label.
 *
 * The per-chain and queue gauges are filled at scrape time from the database (the api's
 * `DatabaseMetrics`); counters and histograms are observed by the process doing the work
 * (the watcher records transfers and marks payments PAID, the worker delivers webhooks).
 */
export class KassaMetrics {
  readonly registry = new Registry();

  /** Latest block number the chain's node reported to its leading watcher. */
  readonly chainHeadBlock = new Gauge({ name: 'kassa_chain_head_block', help: 'Latest block number the node reported to the chain watcher', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Last block the watcher stored (its cursor). */
  readonly chainProcessedBlock = new Gauge({ name: 'kassa_chain_processed_block', help: 'Last block the chain watcher stored (its cursor)', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Head minus cursor, in blocks. */
  readonly chainLagBlocks = new Gauge({ name: 'kassa_chain_lag_blocks', help: 'Blocks between the node head and the last stored block', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Now minus the timestamp of the last stored block. */
  readonly chainLagSeconds = new Gauge({ name: 'kassa_chain_lag_seconds', help: 'Seconds between now and the timestamp of the last stored block', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Head block time vs now: how old the newest block the node knows is. */
  readonly chainHeadAgeSeconds = new Gauge({ name: 'kassa_chain_head_age_seconds', help: 'Seconds between now and the timestamp of the node head block', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Processed vs head, by block timestamps: the watcher's own lag. */
  readonly chainBehindHeadSeconds = new Gauge({ name: 'kassa_chain_behind_head_seconds', help: 'Seconds between the last stored block and the node head block, by their timestamps', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Now minus the watcher's last status report (a heartbeat every 5 s while it leads). */
  readonly chainStatusAgeSeconds = new Gauge({ name: 'kassa_chain_status_age_seconds', help: 'Seconds since the leading chain watcher last reported', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** 1 while the chain is `ok` in `/health/ready` (followed, reported on time, within the lag bound), else 0. */
  readonly chainUp = new Gauge({ name: 'kassa_chain_up', help: '1 while a chain watcher follows the chain within the lag bound and reports on time', labelNames: ['chain_id', 'chain'], registers: [this.registry] });
  /** Failed watcher steps in a row (RPC or database). */
  readonly chainConsecutiveFailures = new Gauge({ name: 'kassa_chain_consecutive_failures', help: 'Failed chain watcher steps in a row', labelNames: ['chain_id', 'chain'], registers: [this.registry] });

  /** RPC requests the watcher sent, by chain, JSON-RPC method and outcome (`ok` or `error`). */
  readonly rpcRequests = new Counter({ name: 'kassa_rpc_requests_total', help: 'JSON-RPC requests sent by the chain watcher', labelNames: ['chain_id', 'method', 'outcome'], registers: [this.registry] });
  /** RPC requests that failed, by chain and method. */
  readonly rpcErrors = new Counter({ name: 'kassa_rpc_errors_total', help: 'JSON-RPC requests of the chain watcher that failed', labelNames: ['chain_id', 'method'], registers: [this.registry] });
  /** RPC latency, by chain and method. */
  readonly rpcDuration = new Histogram({ name: 'kassa_rpc_request_duration_seconds', help: 'Latency of JSON-RPC requests of the chain watcher', labelNames: ['chain_id', 'method'], buckets: REQUEST_BUCKETS, registers: [this.registry] });

  /** Payments stored, by status. */
  readonly payments = new Gauge({ name: 'kassa_payments', help: 'Payments stored, by status', labelNames: ['status'], registers: [this.registry] });
  /** From the first transfer the watcher recorded for a payment to the payment becoming PAID. */
  readonly timeToPaid = new Histogram({ name: 'kassa_payment_time_to_paid_seconds', help: 'Seconds from the first transfer recorded for a payment to the payment becoming PAID', labelNames: ['chain_id'], buckets: CONFIRMATION_BUCKETS, registers: [this.registry] });
  /** From the block being mined (its timestamp) to the watcher storing the transfer in it. */
  readonly transferRecordDelay = new Histogram({ name: 'kassa_transfer_record_delay_seconds', help: 'Seconds from a block being mined to the chain watcher recording a transfer in it', labelNames: ['chain_id'], buckets: RECORD_DELAY_BUCKETS, registers: [this.registry] });

  /** Delivery attempts by outcome. */
  readonly webhookDeliveries = new Counter({ name: 'kassa_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome (delivered, retried, failed, unrecorded)', labelNames: ['outcome'], registers: [this.registry] });
  /** Duration of one webhook POST. */
  readonly webhookDeliveryDuration = new Histogram({ name: 'kassa_webhook_delivery_duration_seconds', help: 'Duration of one webhook delivery attempt', buckets: REQUEST_BUCKETS, registers: [this.registry] });
  /** Deliveries waiting to be sent (pending or being sent). */
  readonly webhookQueueDepth = new Gauge({ name: 'kassa_webhook_queue_depth', help: 'Webhook deliveries not yet delivered or failed', registers: [this.registry] });
  /** Age of the oldest delivery not yet delivered or failed (0 when none). */
  readonly webhookOldestPendingAge = new Gauge({ name: 'kassa_webhook_oldest_pending_delivery_age_seconds', help: 'Age of the oldest webhook delivery not yet delivered or failed', registers: [this.registry] });
  /** Endpoints whose latest delivery failed or is being retried. */
  readonly webhookFailingEndpoints = new Gauge({ name: 'kassa_webhook_failing_endpoints', help: 'Webhook endpoints with deliveries that failed or are being retried', registers: [this.registry] });

  /** Payments whose deposit address lacked counted money at their latest settlement attempt (docs/settlement.md "Shortfalls"). */
  readonly settlementShortfalls = new Gauge({ name: 'kassa_settlement_shortfalls', help: 'Payments whose latest settlement found their deposit address holding less than the transfers counted (never settled; an operator must look)', registers: [this.registry] });

  /** @param defaultMetrics also collect the Node process metrics (CPU, memory, event loop) */
  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * An RPC observer (see `createChainClient`'s `observe`) that counts a chain's JSON-RPC
 * requests by method and outcome and times them.
 */
export function rpcObserver(metrics: KassaMetrics, chainId: number): (method: string, durationMs: number, error: unknown) => void {
  const chain_id = String(chainId);
  return (method, durationMs, error) => {
    metrics.rpcRequests.inc({ chain_id, method, outcome: error === null ? 'ok' : 'error' });
    if (error !== null) metrics.rpcErrors.inc({ chain_id, method });
    metrics.rpcDuration.observe({ chain_id, method }, durationMs / 1000);
  };
}
