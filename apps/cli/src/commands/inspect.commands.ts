import type { DataSource } from 'typeorm';

import { chainHealth, type ChainHealth, RedeliverEventUseCase } from '@kassa/api';
import type { ChainConfig } from '@kassa/config';
import { asMerchantId, fromBaseUnits, NotFoundError, type Payment, type Transfer } from '@kassa/domain';
import { ChainStatusRepository, DeliveriesRepository, EventsRepository, PaymentsRepository, TransfersRepository, WebhookEndpointsRepository } from '@kassa/persistence';

/** One webhook delivery of a payment's event, as `kassa payment show` lists it. */
export interface PaymentDelivery {
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  /** Null when the event had no endpoint to go to. */
  deliveryId: string | null;
  endpointId: string | null;
  status: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  /** Status code or error of the latest attempt. */
  lastResult: string | null;
}

/** A payment with what the watcher recorded for it and what the workers delivered about it. */
export interface PaymentDetails {
  payment: Payment;
  transfers: Transfer[];
  deliveries: PaymentDelivery[];
}

interface DeliveryRow {
  event_id: string;
  type: string;
  event_created_at: Date;
  delivery_id: string | null;
  endpoint_id: string | null;
  status: string | null;
  attempt_count: number | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  status_code: number | null;
  error: string | null;
}

/**
 * A payment of any merchant (operators see every tenant) with its transfers and the
 * deliveries of its events, oldest first.
 * @throws NotFoundError when no payment has this id
 */
export async function showPayment(dataSource: DataSource, paymentId: string): Promise<PaymentDetails> {
  const payment = await new PaymentsRepository(dataSource).findByIdUnscoped(paymentId);
  if (!payment) throw new NotFoundError('payment', paymentId);
  const transfers = (await new TransfersRepository(dataSource).listByPayments([payment.id])).get(payment.id) ?? [];
  const rows = await dataSource.query<DeliveryRow[]>(
    `SELECT e.id AS event_id, e.type, e.created_at AS event_created_at, d.id AS delivery_id, d.endpoint_id, d.status,
            d.attempt_count, d.next_attempt_at, d.delivered_at, a.status_code, a.error
       FROM events e
       LEFT JOIN webhook_deliveries d ON d.event_id = e.id
       LEFT JOIN LATERAL (SELECT status_code, error FROM webhook_attempts WHERE delivery_id = d.id ORDER BY attempt_number DESC LIMIT 1) a ON true
      WHERE e.payment_id = $1
      ORDER BY e.created_at, e.id, d.id`,
    [payment.id],
  );
  const deliveries = rows.map((row) => ({
    eventId: row.event_id,
    eventType: row.type,
    eventCreatedAt: row.event_created_at,
    deliveryId: row.delivery_id,
    endpointId: row.endpoint_id,
    status: row.status,
    attempts: row.attempt_count ?? 0,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    lastResult: row.status_code !== null ? `HTTP ${row.status_code}` : row.error,
  }));
  return { payment, transfers, deliveries };
}

/** The lines `kassa payment show` prints. */
export function formatPayment({ payment, transfers, deliveries }: PaymentDetails): string[] {
  const amount = (value: bigint) => `${fromBaseUnits(value, payment.token.decimals)} ${payment.token.symbol}`;
  const lines = [
    `Payment ${payment.id} (merchant ${payment.merchantId})`,
    `  status: ${payment.status}${payment.exception ? ` (${payment.exception})` : ''}`,
    `  chain ${payment.chainId}, ${payment.requiredConfirmations} confirmations; deposit address ${payment.depositAddress}`,
    `  amount ${amount(payment.amount)}, received ${amount(payment.amountReceived)}`,
    `  created ${payment.createdAt.toISOString()}, expires ${payment.expiresAt.toISOString()}` +
      `${payment.paidAt ? `, paid ${payment.paidAt.toISOString()}` : ''}${payment.finalizedAt ? `, final ${payment.finalizedAt.toISOString()}` : ''}`,
    `Transfers (${transfers.length}):`,
    ...transfers.map(
      (transfer) =>
        `  ${transfer.status.padEnd(8)} block ${transfer.blockNumber} ${transfer.blockTimestamp.toISOString()}  ${amount(transfer.amount)}  tx ${transfer.txHash}${transfer.logIndex >= 0 ? ` log ${transfer.logIndex}` : ''}  from ${transfer.from}`,
    ),
    `Events and deliveries (${deliveries.length}):`,
    ...deliveries.map((delivery) =>
      delivery.deliveryId === null
        ? `  ${delivery.eventId} ${delivery.eventType}  no webhook endpoint`
        : `  ${delivery.eventId} ${delivery.eventType} -> ${delivery.endpointId}  ${delivery.status} after ${delivery.attempts} attempt(s)` +
          `${delivery.lastResult ? ` (last: ${delivery.lastResult})` : ''}` +
          `${delivery.deliveredAt ? ` delivered ${delivery.deliveredAt.toISOString()}` : delivery.status === 'pending' && delivery.nextAttemptAt ? ` next ${delivery.nextAttemptAt.toISOString()}` : ''}`,
    ),
  ];
  return lines;
}

/**
 * Each chain as its leading watcher reported it (`chain_status`): the configured chains in
 * order, then any other chain a watcher reported.
 * @param maxLagBlocks the readiness bound (`KASSA_HEALTH_MAX_LAG_BLOCKS`)
 */
export async function chainsStatus(dataSource: DataSource, chains: readonly ChainConfig[], maxLagBlocks: number, now: Date = new Date()): Promise<ChainHealth[]> {
  const reports = await new ChainStatusRepository(dataSource).list();
  const byChain = new Map(reports.map((report) => [report.chainId, report]));
  const known = new Set(chains.map((chain) => chain.chainId));
  const configured = chains.map((chain) => chainHealth(chain, byChain.get(chain.chainId), now, maxLagBlocks));
  const others = reports
    .filter((report) => !known.has(report.chainId))
    .map((report) => chainHealth({ chainId: report.chainId, name: `chain ${report.chainId}` } as ChainConfig, report, now, maxLagBlocks));
  return [...configured, ...others];
}

/** The lines `kassa chains` prints: one row per chain, then the last error of each failing one. */
export function formatChains(chains: readonly ChainHealth[]): string[] {
  if (chains.length === 0) return ['No chains configured or reported'];
  const rows = chains.map((chain) => [
    `${chain.name} (${chain.chainId})`,
    chain.status,
    chain.state ?? '-',
    chain.headBlock ?? '-',
    chain.cursorBlock ?? '-',
    chain.lagBlocks === null ? '-' : String(chain.lagBlocks),
    chain.lagSeconds === null ? '-' : `${chain.lagSeconds} s`,
    chain.updatedAt ?? 'never',
  ]);
  const header = ['CHAIN', 'STATUS', 'STATE', 'HEAD', 'CURSOR', 'LAG', 'LAST BLOCK AGE', 'REPORTED'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    line(header),
    ...rows.map(line),
    ...chains.filter((chain) => chain.lastError).map((chain) => `${chain.name} (${chain.chainId}): ${chain.consecutiveFailures} failure(s) in a row, last ${chain.lastErrorAt}: ${chain.lastError}`),
  ];
}

/**
 * Queues an event of any merchant for delivery again, due now, to one endpoint or to every
 * enabled endpoint subscribed to its type (as `POST /v1/events/:id/redeliver`).
 * @returns the deliveries queued
 * @throws NotFoundError for an unknown event or endpoint; ConflictError for a disabled endpoint
 */
export async function redeliverEvent(dataSource: DataSource, eventId: string, endpointId?: string): Promise<{ deliveryId: string; endpointId: string }[]> {
  const [event] = await dataSource.query<{ merchant_id: string }[]>('SELECT merchant_id FROM events WHERE id = $1', [eventId]);
  if (!event) throw new NotFoundError('event', eventId);
  const useCase = new RedeliverEventUseCase(
    dataSource,
    new EventsRepository(dataSource),
    new WebhookEndpointsRepository(dataSource),
    new DeliveriesRepository(dataSource),
  );
  return useCase.execute(asMerchantId(event.merchant_id), eventId, endpointId);
}
