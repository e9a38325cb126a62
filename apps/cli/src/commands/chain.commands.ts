import type { DataSource } from 'typeorm';

import type { KassaConfig } from '@kassa/config';
import { ChainCursorsRepository, EventsRepository, PaymentObjectsService, PaymentsRepository, RefundObjectsService, SettlementPoliciesRepository, TransfersRepository } from '@kassa/persistence';
import { RecordBlocks, ReevaluatePayments } from '@kassa/watcher';
import { PaymentEventsService } from '@kassa/webhooks';

import { CliError } from './pay.command';

/**
 * `kassa chain forget <chainId>`: the operator's answer to a chain stalled on a node that
 * serves another chain (docs/watcher.md "Chain identity"). In one transaction every active
 * transfer of the chain is orphaned, its cursor, stored blocks and recorded genesis hash
 * go, and the payments that had those transfers are re-evaluated with their events (open
 * ones back to CREATED, PAID ones exception REORGED). The watcher then records its node's
 * genesis block and follows the chain from `startBlock` (or the head).
 * @returns how many payments had transfers on the forgotten chain
 * @throws CliError when the chain is not configured
 */
export async function forgetChainHistory(dataSource: DataSource, config: KassaConfig, chainId: number): Promise<{ orphanedPayments: number }> {
  if (!config.chains.some((candidate) => candidate.chainId === chainId)) throw new CliError(`Chain ${chainId} is not configured (configured: ${config.chains.map((c) => c.chainId).join(', ') || 'none'})`);
  const cursors = new ChainCursorsRepository(dataSource);
  const payments = new PaymentsRepository(dataSource);
  const transfers = new TransfersRepository(dataSource);
  const objects = PaymentObjectsService.over(config, dataSource);
  const events = new PaymentEventsService(payments, new EventsRepository(dataSource), objects, new RefundObjectsService(config));
  const recorder = new RecordBlocks(dataSource, cursors, transfers, new ReevaluatePayments(payments, transfers, events, cursors, objects, new SettlementPoliciesRepository(dataSource)));
  const stored = await cursors.get(chainId);
  return recorder.forgetHistory(chainId, stored ? { number: stored.blockNumber, hash: stored.blockHash } : null, null);
}
