import { Injectable, Logger } from '@nestjs/common';

import { balanceCreditTxHash } from '@kassa/chain';
import {
  BALANCE_CREDIT_LOG_INDEX,
  confirmationsOf,
  UNKNOWN_SENDER,
  type Payment,
  type Transfer,
} from '@kassa/domain';
import { type ChainBlock, ChainCursorsRepository } from '@kassa/persistence';

import { DepositBalances } from './deposit-balances';

/** What the balance check found for a payment about to time out. */
export type BalanceCheck =
  /** The balance holds nothing the recorded transfers do not explain: time it out. */
  | { outcome: 'nothing_unrecorded' }
  /** Value arrived by a way the watcher cannot see (an internal call): record `credit`, then decide. */
  | { outcome: 'credit'; credit: Transfer }
  /** Not decidable yet (balance unreadable, deadline block not confirmed, watcher behind): a later run decides. */
  | { outcome: 'wait'; reason: string };

/** A payment about to time out, with its recorded transfers. */
export interface BalanceCheckCandidate {
  payment: Payment;
  transfers: readonly Transfer[];
  /** Past the confirmation grace period: decide now rather than wait. */
  pastGrace: boolean;
}

/**
 * The balance check before a TIMEOUT (DESIGN.md "Payment lifecycle": "Before any TIMEOUT,
 * the scheduler reads the deposit address's on-chain balance once ... so that value that
 * arrived by an internal transfer is not missed").
 *
 * The watcher sees native coin only in transactions sent to the deposit address; a
 * contract that forwards coin in an internal call leaves no trace it reads. So for each
 * payment about to time out, the balance is read AT THE DEADLINE BLOCK: the last block
 * whose timestamp is at or before `expiresAt`, found among the blocks the watcher stored
 * (its last `finalityDepth` blocks). Whatever that balance holds beyond the active
 * recorded transfers of the payment's token up to that block arrived in time and is
 * credited as a balance credit (`BALANCE_CREDIT_LOG_INDEX`, docs/watcher.md "Balance
 * credits"), so the payment is decided on it: PAID when it covers the amount, TIMEOUT with
 * UNDERPAID and the right `amountReceived` otherwise, instead of waiting forever.
 *
 * The credit is made only once the deadline block has the payment's confirmations
 * (confirmed value only, as for any transfer). When the deadline block is older than the
 * stored blocks (the scheduler was down for long), in-time-ness cannot be proved: the
 * latest balance is read instead, and value beyond the recorded transfers only postpones
 * the TIMEOUT until the confirmation grace period ends.
 */
@Injectable()
export class BalanceCredits {
  private readonly logger = new Logger(BalanceCredits.name);

  constructor(
    private readonly balances: DepositBalances,
    private readonly cursors: ChainCursorsRepository,
  ) {}

  /** @returns one check per candidate, by payment id */
  async check(candidates: readonly BalanceCheckCandidate[]): Promise<Map<string, BalanceCheck>> {
    const checks = new Map<string, BalanceCheck>();
    if (candidates.length === 0) return checks;
    const chains = await this.storedChains([...new Set(candidates.map((candidate) => candidate.payment.chainId))]);

    const deadlineBlocks = new Map<string, ChainBlock>();
    for (const { payment } of candidates) {
      const chain = chains.get(payment.chainId);
      const block = chain ? deadlineBlock(chain.blocks, chain.cursor, payment.expiresAt) : undefined;
      if (block) deadlineBlocks.set(payment.id, block);
    }
    const balances = await this.balances.read(
      candidates.map((candidate) => candidate.payment),
      new Map([...deadlineBlocks].map(([id, block]) => [id, block.blockNumber])),
    );

    for (const candidate of candidates) {
      const { payment, pastGrace } = candidate;
      const balance = balances.get(payment.id);
      const block = deadlineBlocks.get(payment.id);
      const wait = (reason: string): BalanceCheck => (pastGrace ? { outcome: 'nothing_unrecorded' } : { outcome: 'wait', reason });
      if (balance === undefined) {
        checks.set(payment.id, wait('the deposit balance could not be read'));
        continue;
      }
      if (!block) {
        // In-time-ness cannot be proved: unexplained value only postpones the decision.
        const seen = recordedSum(candidate.transfers, payment, null);
        checks.set(payment.id, balance > seen ? wait(`holds ${balance} base units but ${seen} are recorded`) : { outcome: 'nothing_unrecorded' });
        continue;
      }
      const surplus = balance - recordedSum(candidate.transfers, payment, block.blockNumber);
      if (surplus <= 0n) {
        checks.set(payment.id, { outcome: 'nothing_unrecorded' });
        continue;
      }
      const cursor = chains.get(payment.chainId)!.cursor;
      if (confirmationsOf(block.blockNumber, cursor) < payment.requiredConfirmations) {
        checks.set(payment.id, wait(`${surplus} base units at the deadline block ${block.blockNumber} wait for confirmations`));
        continue;
      }
      this.logger.log(`Payment ${payment.id}: ${surplus} base units at its deadline block ${block.blockNumber} came by no recorded transfer; credited`);
      checks.set(payment.id, { outcome: 'credit', credit: creditOf(payment, block, surplus) });
    }
    for (const [id, check] of checks) if (check.outcome === 'wait') this.logger.warn(`Payment ${id} is not timed out yet: ${check.reason}`);
    return checks;
  }

  /** Each chain's cursor and stored blocks (at most `finalityDepth` rows). */
  private async storedChains(chainIds: readonly number[]): Promise<Map<number, { cursor: bigint; blocks: ChainBlock[] }>> {
    const entries = await Promise.all(
      chainIds.map(async (chainId) => {
        const cursor = await this.cursors.get(chainId);
        if (!cursor) return null;
        const blocks = await this.cursors.getBlocks(chainId, 0n, cursor.blockNumber);
        return [chainId, { cursor: cursor.blockNumber, blocks }] as const;
      }),
    );
    return new Map(entries.filter((entry) => entry !== null));
  }
}

/**
 * The last block at or before `deadline` among the stored blocks (ascending, contiguous up
 * to `cursor`), when it is provably the last: the next block is stored with a later
 * timestamp, or it is the cursor itself (the caller has checked that the watcher passed
 * the deadline). Undefined when the deadline is older than every stored block.
 */
function deadlineBlock(blocks: readonly ChainBlock[], cursor: bigint, deadline: Date): ChainBlock | undefined {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i]!;
    if (block.timestamp.getTime() > deadline.getTime()) continue;
    const next = blocks[i + 1];
    return next || block.blockNumber === cursor ? block : undefined;
  }
  return undefined;
}

/** Active transfers of the payment's token up to `throughBlock` (all blocks when null), base units. */
function recordedSum(transfers: readonly Transfer[], payment: Payment, throughBlock: bigint | null): bigint {
  const token = payment.token.address?.toLowerCase() ?? null;
  let sum = 0n;
  for (const transfer of transfers) {
    if (transfer.status !== 'active' || (transfer.tokenAddress?.toLowerCase() ?? null) !== token) continue;
    if (throughBlock !== null && transfer.blockNumber > throughBlock) continue;
    sum += transfer.amount;
  }
  return sum;
}

function creditOf(payment: Payment, block: ChainBlock, amount: bigint): Transfer {
  return {
    chainId: payment.chainId,
    txHash: balanceCreditTxHash(payment.id),
    logIndex: BALANCE_CREDIT_LOG_INDEX,
    blockNumber: block.blockNumber,
    blockHash: block.blockHash,
    blockTimestamp: block.timestamp,
    from: UNKNOWN_SENDER,
    to: payment.depositAddress,
    tokenAddress: payment.token.address,
    amount,
    paymentId: payment.id,
    status: 'active',
  };
}
