import { Inject, Injectable, type Logger } from '@nestjs/common';
import { getAddress, keccak256, stringToBytes, type Address, type Hex, type LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { DataSource } from 'typeorm';

import { type ChainClient, ChainRegistry, createChainClient } from '@kassa/chain';
import { type ChainConfig, KASSA_CONFIG, type KassaConfig, settlementKeyFor } from '@kassa/config';
import type { TokenRef } from '@kassa/domain';
import type { SettlementTransactionRecord, SettlementTransactionsRepository } from '@kassa/persistence';

/**
 * A settlement lane: one gas payer on one chain. Its transactions are sent one at a time
 * (the next only once the previous is mined or given up), so its nonces never leave gaps
 * and every worker agrees which transaction holds which nonce.
 */
export interface SettlementLane {
  chain: ChainConfig;
  client: ChainClient;
  /** Signs locally; the key never leaves the process and is never logged. */
  account: LocalAccount;
  /** The gas payer's address, checksummed. */
  gasPayer: Address;
}

/**
 * First key of the settlement advisory locks, `pg_try_advisory_lock(key, lane)`: ASCII
 * "KSTL" (the watcher's locks use "KSWT").
 */
export const SETTLEMENT_LOCK_KEY = 0x4b53544c;

/** The lane's second lock key: the first four bytes of keccak256("<chainId>:<gas payer>"), as int4. */
export function laneLockKey(lane: Pick<SettlementLane, 'chain' | 'gasPayer'>): number {
  const digest = keccak256(stringToBytes(`${lane.chain.chainId}:${lane.gasPayer.toLowerCase()}`));
  return Number.parseInt(digest.slice(2, 10), 16) | 0;
}

/**
 * Runs `work` while this process holds the lane's session advisory lock ({@link withAdvisoryLock}).
 * @returns what `work` returned, or `locked: true` when another worker holds the lane
 */
export function withLaneLock<T>(dataSource: DataSource, lane: SettlementLane, work: () => Promise<T>): Promise<{ locked: true } | { locked: false; result: T }> {
  return withAdvisoryLock(dataSource, [SETTLEMENT_LOCK_KEY, laneLockKey(lane)], work);
}

/**
 * Runs `work` while this process holds the session advisory lock `keys`, taken with
 * `pg_try_advisory_lock` on a pooled connection kept for the duration: a second worker
 * skips the work instead of waiting, and a crashed worker's lock ends with its connection.
 *
 * @returns what `work` returned, or `locked: true` when another worker holds the lock
 */
export async function withAdvisoryLock<T>(dataSource: DataSource, keys: [number, number], work: () => Promise<T>): Promise<{ locked: true } | { locked: false; result: T }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query('SELECT pg_try_advisory_lock($1, $2) AS locked', keys)) as { locked: boolean }[];
    if (!row?.locked) return { locked: true };
    try {
      return { locked: false, result: await work() };
    } finally {
      // Should the unlock fail, the connection is broken and the pool discards it, lock and all.
      await runner.query('SELECT pg_advisory_unlock($1, $2)', keys).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/** What one run did on one lane (a chain and its sender). */
export interface LaneRun<S> {
  chainId: number;
  /** Another worker held the lane: this one did nothing there. */
  locked: boolean;
  /** How the in-flight transaction stood, when there was one. */
  reconciled: 'confirmed' | 'reverted' | 'dropped' | 'waiting' | null;
  /** What was sent when the lane was free. */
  sent: S | null;
  /** Why the lane's run failed, if it did (the next run tries again). */
  error: string | null;
}

/**
 * One run of a lane, the same for settlement and payouts: under the lane's advisory lock
 * (another worker skips it), follow its in-flight transaction with `reconcile`; once the
 * lane is free, `send` the next one. A failure is returned (and logged), never thrown, so one
 * lane's failure never stops another.
 */
export async function runLane<S>(
  dataSource: DataSource,
  transactions: Pick<SettlementTransactionsRepository, 'inFlight'>,
  lane: SettlementLane,
  steps: {
    reconcile: (tx: SettlementTransactionRecord) => Promise<LaneRun<S>['reconciled']>;
    send: () => Promise<S | null>;
  },
  logger: Logger,
  what: string,
): Promise<LaneRun<S>> {
  const result: LaneRun<S> = { chainId: lane.chain.chainId, locked: false, reconciled: null, sent: null, error: null };
  try {
    const run = await withLaneLock(dataSource, lane, async () => {
      const inFlight = await transactions.inFlight(lane.chain.chainId, lane.gasPayer);
      if (inFlight) {
        result.reconciled = await steps.reconcile(inFlight);
        if (result.reconciled === 'waiting') return;
      }
      result.sent = await steps.send();
    });
    result.locked = run.locked;
  } catch (error) {
    result.error = (error as Error).message;
    logger.error(`${what} on chain ${lane.chain.chainId} failed: ${(error as Error).message}`, (error as Error).stack);
  }
  return result;
}

/**
 * The configured lanes: every chain with a gas payer key (`KASSA_SETTLEMENT_PRIVATE_KEYS`
 * for the chain, else `KASSA_SETTLEMENT_PRIVATE_KEY`). No key, no settlement on that chain.
 */
@Injectable()
export class SettlementLanes {
  readonly all: readonly SettlementLane[];

  constructor(@Inject(KASSA_CONFIG) config: KassaConfig, registry: ChainRegistry) {
    this.all = registry.chains.flatMap((chain): SettlementLane[] => {
      const key = settlementKeyFor(config, chain.chainId);
      if (!key) return [];
      const account = privateKeyToAccount(key.reveal() as Hex);
      return [{ chain, client: createChainClient(chain), account, gasPayer: getAddress(account.address) }];
    });
  }
}

/**
 * The coins a lane settles: the native coin first, then the chain's configured tokens. Only
 * these are flushed (an unknown token could run any code); others stay for the merchant.
 */
export function settledCoins(chain: ChainConfig): TokenRef[] {
  return [
    { symbol: chain.nativeCurrency.symbol, address: null, decimals: chain.nativeCurrency.decimals },
    ...chain.tokens.map((token) => ({ symbol: token.symbol, address: getAddress(token.address), decimals: token.decimals })),
  ];
}
