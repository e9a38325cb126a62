import { Inject, Injectable, Logger } from '@nestjs/common';
import { erc20Abi, isAddressEqual } from 'viem';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { defaultSettlementPolicy, dueForSettlement, type TokenRef } from '@kassa/domain';
import { ChainCursorsRepository, type SettlementCandidateRow, SettlementPoliciesRepository, SettlementsRepository } from '@kassa/persistence';

import { settledCoins, type SettlementLane } from './settlement-lanes';

/** One deposit address of a planned settlement transaction, with the coins it holds now. */
export interface PlannedFlush {
  candidate: SettlementCandidateRow;
  /** Coins with a non-zero balance at the deposit address (empty: someone already flushed it). */
  coins: TokenRef[];
  /**
   * Set when the address holds less of the payment's coin than the transfers counted for it
   * and was never flushed (no clone deployed there): the money is not there, see
   * {@link shortfallOf}. Such a payment is never recorded settled.
   */
  shortfall: { held: bigint; counted: bigint } | null;
}

/** The next settlement transaction of a lane: flushes through one factory. */
export interface SettlementPlan {
  factory: SettlementCandidateRow['factoryAddress'];
  flushes: PlannedFlush[];
}

/** Candidates read per run, as a multiple of the batch size (threshold groups need their siblings). */
const CANDIDATE_WINDOW = 10;

/**
 * Chooses what a lane settles next (docs/settlement.md "How it works"): the final payments
 * with confirmed, unsettled value whose merchant's policy says now, at most a batch of them,
 * all behind one factory (`flushMany` exists only on the configured factory; payments of an
 * older factory settle one per transaction with `flush`). Then reads, batched, the balance of
 * every settled coin at each deposit address, so that a transaction flushes only what is there.
 */
@Injectable()
export class PlanSettlements {
  private readonly logger = new Logger(PlanSettlements.name);

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly settlements: SettlementsRepository,
    private readonly policies: SettlementPoliciesRepository,
    private readonly cursors: ChainCursorsRepository,
  ) {}

  /** @returns the plan, or null when nothing is due (or the node is behind the watcher) */
  async next(lane: SettlementLane, now: Date): Promise<SettlementPlan | null> {
    const { chainId } = lane.chain;
    const cursor = await this.cursors.get(chainId);
    if (!cursor) return null;
    const { batchSize } = this.config.jobs.settlement;
    const candidates = await this.settlements.candidates({
      chainId,
      cursorBlock: cursor.blockNumber,
      finalizedSince: new Date(now.getTime() - this.config.settlement.lookbackSeconds * 1000),
      now,
      limit: batchSize * CANDIDATE_WINDOW,
    });
    if (candidates.length === 0) return null;
    const policies = await this.policies.getMany([...new Set(candidates.map((candidate) => candidate.merchantId))]);
    const due = dueForSettlement(candidates, (merchantId) => policies.get(merchantId) ?? defaultSettlementPolicy(), now);
    if (due.length === 0) return null;

    const factory = due[0]!.factoryAddress;
    const batchable = isAddressEqual(factory, lane.chain.factoryAddress);
    const batch = due.filter((candidate) => isAddressEqual(candidate.factoryAddress, factory)).slice(0, batchable ? batchSize : 1);

    // Balances from a node that has not seen the newest transfer would leave it behind.
    const newest = batch.reduce((max, candidate) => (candidate.lastBlockNumber > max ? candidate.lastBlockNumber : max), 0n);
    const head = await lane.client.getBlockNumber();
    if (head < newest) {
      this.logger.warn(`Chain ${chainId}: the node is at block ${head}, behind transfers in block ${newest}; settling later`);
      return null;
    }
    return { factory, flushes: await this.withBalances(lane, batch) };
  }

  private async withBalances(lane: SettlementLane, batch: readonly SettlementCandidateRow[]): Promise<PlannedFlush[]> {
    const coins = settledCoins(lane.chain);
    return Promise.all(
      batch.map(async (candidate) => {
        const [code, ...balances] = await Promise.all([
          lane.client.getCode({ address: candidate.depositAddress }),
          ...coins.map((coin) =>
            coin.address === null
              ? lane.client.getBalance({ address: candidate.depositAddress })
              : lane.client.readContract({ address: coin.address, abi: erc20Abi, functionName: 'balanceOf', args: [candidate.depositAddress] }),
          ),
        ]);
        const index = coins.findIndex((coin) => (coin.address === null ? candidate.token.address === null : candidate.token.address !== null && isAddressEqual(coin.address, candidate.token.address)));
        const held = index < 0 ? 0n : balances[index]!;
        return {
          candidate,
          coins: coins.filter((_, i) => balances[i]! > 0n),
          shortfall: shortfallOf(candidate.waitingAmount, held, code !== undefined && code !== '0x'),
        };
      }),
    );
  }
}

/**
 * Whether a deposit address lacks money Kassa counted (DESIGN.md "Trusting the chain"; issue
 * "No settlement without the money"): it holds less of the payment's coin than the
 * confirmed, unsettled transfers add up to, and no forwarder clone was ever deployed there.
 * A clone exists only after a `flush` (by Kassa or anyone), and a clone can move funds only
 * to the treasury, so an emptied address WITH a clone was flushed to the merchant; one
 * WITHOUT a clone never received what was counted (a node that served another chain, a
 * transfer that is not there).
 * @param counted base units counted (confirmed, not yet settled); `held` base units there now
 */
export function shortfallOf(counted: bigint, held: bigint, flushedBefore: boolean): { held: bigint; counted: bigint } | null {
  return !flushedBefore && held < counted ? { held, counted } : null;
}
