import type { DataSource } from 'typeorm';

import { currencyDecimals } from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import {
  fromBaseUnits,
  type MerchantId,
  normaliseSettlementPolicy,
  type Settlement,
  type SettlementPolicy,
  type SettlementPolicyInput,
  type SettlementStatus,
} from '@kassa/domain';
import { SettlementPoliciesRepository, SettlementsRepository } from '@kassa/persistence';

import { CliError } from './pay.command';

/** Filters of `kassa settlements list`. */
export interface SettlementListOptions {
  merchantId?: MerchantId;
  paymentId?: string;
  status?: SettlementStatus;
  chainId?: number;
  limit: number;
}

/** The newest settlements of every merchant (or one), for the operator. */
export function listSettlements(dataSource: DataSource, options: SettlementListOptions): Promise<Settlement[]> {
  return new SettlementsRepository(dataSource).listUnscoped(options);
}

/**
 * One line per settlement: id, status, payment, merchant, chain, amounts, transaction (hash,
 * nonce, gas used, batch size), creation time, error.
 */
export function formatSettlement(settlement: Settlement): string {
  const amounts = settlement.amounts.length
    ? settlement.amounts.map(({ token, amount }) => `${fromBaseUnits(amount, token.decimals)} ${token.symbol}`).join(' + ')
    : '-';
  const tx = settlement.transaction;
  const transaction = tx
    ? `tx ${tx.hash} nonce ${tx.nonce}${tx.gasUsed !== null ? ` gas ${tx.gasUsed}` : ''} batch ${tx.batchSize}`
    : settlement.status === 'settled'
      ? 'no transaction (already flushed)'
      : 'no transaction';
  const error = settlement.error ? `  error: ${settlement.error}` : '';
  return `${settlement.id}  ${settlement.status.padEnd(7)}  ${settlement.paymentId}  ${settlement.merchantId}  chain ${settlement.chainId}  ${amounts}  ${transaction}  ${settlement.createdAt.toISOString()}${error}`;
}

/** The policy lines `kassa settlement-policy show` prints. */
export function formatSettlementPolicy(merchantId: MerchantId, policy: SettlementPolicy): string[] {
  const lines = [`Settlement policy of ${merchantId}: ${policy.mode}`];
  if (policy.mode === 'threshold') {
    for (const [currency, amount] of Object.entries(policy.thresholds)) lines.push(`  threshold ${currency}: ${amount}`);
    lines.push(`  longest wait: ${policy.maxWaitSeconds ?? 'default (7 days)'}${policy.maxWaitSeconds ? ' s' : ''}`);
  }
  if (policy.mode === 'schedule') lines.push(`  every ${policy.intervalSeconds} s from ${policy.updatedAt.toISOString()}`);
  return lines;
}

/** The merchant's settlement policy (immediate when it never set one). */
export function showSettlementPolicy(dataSource: DataSource, merchantId: MerchantId): Promise<SettlementPolicy> {
  return new SettlementPoliciesRepository(dataSource).get(merchantId);
}

/**
 * Sets a merchant's policy with the rules of `PUT /v1/settlement-policy`.
 *
 * @param thresholds `CURRENCY=amount` pairs, e.g. `USDC=100`
 * @param chains the configured chains (currencies and their decimals)
 * @throws CliError for a malformed threshold pair; ValidationError (domain) for a policy the
 *   API would refuse; the database error for an unknown merchant
 */
export async function setSettlementPolicy(
  dataSource: DataSource,
  merchantId: MerchantId,
  input: { mode: string; thresholds: string[]; intervalSeconds?: number; maxWaitSeconds?: number },
  chains: readonly ChainConfig[],
): Promise<SettlementPolicy> {
  const thresholds: Record<string, string> = {};
  for (const pair of input.thresholds) {
    const match = /^([A-Za-z0-9.]{1,16})=(.+)$/.exec(pair);
    if (!match) throw new CliError(`--threshold takes CURRENCY=amount, e.g. USDC=100 (got "${pair}")`);
    thresholds[match[1]!] = match[2]!;
  }
  const policy = normaliseSettlementPolicy(
    { mode: input.mode as SettlementPolicyInput['mode'], thresholds, intervalSeconds: input.intervalSeconds, maxWaitSeconds: input.maxWaitSeconds },
    (currency) => currencyDecimals(chains, currency),
  );
  return new SettlementPoliciesRepository(dataSource).put(merchantId, policy);
}
