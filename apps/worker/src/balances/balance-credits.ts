import { Injectable, Logger } from '@nestjs/common';

import { balanceCreditTxHash } from '@kassa/chain';
import {
  BALANCE_CREDIT_LOG_INDEX,
  confirmationsOf,
  type Payment,
  type PaymentOption,
  paymentOptionsOf,
  sameOption,
  selectedOptionOf,
  type Transfer,
  UNKNOWN_SENDER,
} from '@kassa/domain';
import { type ChainBlock, ChainCursorsRepository } from '@kassa/persistence';

import { DepositBalances } from './deposit-balances';

/** What the balance check found for a payment about to time out. */
export type BalanceCheck =
  /** The balance holds nothing the recorded transfers do not explain: time it out. */
  | { outcome: 'nothing_unrecorded' }
  /** Value arrived by a way the watcher cannot see (an internal call): record the `credits` (one per option holding it), then decide. */
  | { outcome: 'credit'; credits: Transfer[] }
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

  /**
   * Reads, for each candidate, the balance of every option that can hold value no log shows:
   * its selected option (the payment's own coin), and every native-coin option (native coin
   * is what a contract's internal call forwards) on any chain.
   * @returns one check per candidate, by payment id
   */
  async check(candidates: readonly BalanceCheckCandidate[]): Promise<Map<string, BalanceCheck>> {
    const checks = new Map<string, BalanceCheck>();
    if (candidates.length === 0) return checks;
    const holdings = candidates.flatMap((candidate) =>
      checkedOptions(candidate.payment).map((option) => ({ candidate, option, key: `${candidate.payment.id}|${option.id}` })),
    );
    const chains = await this.storedChains([...new Set(holdings.map(({ option }) => option.chainId))]);

    const deadlineBlocks = new Map<string, ChainBlock>();
    for (const { candidate, option, key } of holdings) {
      const chain = chains.get(option.chainId);
      const block = chain ? deadlineBlock(chain.blocks, chain.cursor, candidate.payment.expiresAt) : undefined;
      if (block) deadlineBlocks.set(key, block);
    }
    const balances = await this.balances.read(
      holdings.map(({ option, key }) => ({ key, chainId: option.chainId, token: option.token, depositAddress: option.depositAddress })),
      new Map([...deadlineBlocks].map(([key, block]) => [key, block.blockNumber])),
    );

    const found = new Map<string, HoldingCheck[]>();
    for (const { candidate, option, key } of holdings) {
      const cursor = chains.get(option.chainId)?.cursor;
      const result = this.checkHolding(candidate, option, balances.get(key), deadlineBlocks.get(key), cursor);
      found.set(candidate.payment.id, [...(found.get(candidate.payment.id) ?? []), result]);
    }
    for (const { payment, pastGrace } of candidates) {
      const results = found.get(payment.id) ?? [];
      const waiting = results.filter((result) => result.outcome === 'wait');
      const credits = results.flatMap((result) => (result.outcome === 'credit' ? [result.credit] : []));
      if (waiting.length > 0 && !pastGrace) checks.set(payment.id, { outcome: 'wait', reason: waiting.map((result) => result.reason).join('; ') });
      else if (credits.length > 0) checks.set(payment.id, { outcome: 'credit', credits });
      else checks.set(payment.id, { outcome: 'nothing_unrecorded' });
    }
    for (const [id, check] of checks) if (check.outcome === 'wait') this.logger.warn(`Payment ${id} is not timed out yet: ${check.reason}`);
    return checks;
  }

  /** What the balance of one option's coin at its deposit address holds beyond the recorded transfers. */
  private checkHolding(
    { payment, transfers, pastGrace }: BalanceCheckCandidate,
    option: PaymentOption,
    balance: bigint | undefined,
    block: ChainBlock | undefined,
    cursor: bigint | undefined,
  ): HoldingCheck {
    const coin = `${option.token.symbol} on chain ${option.chainId}`;
    if (balance === undefined) return { outcome: 'wait', reason: `the deposit balance of ${coin} could not be read` };
    if (!block || cursor === undefined) {
      // In-time-ness cannot be proved: unexplained value only postpones the decision.
      const seen = recordedSum(transfers, option, null);
      return balance > seen && !pastGrace ? { outcome: 'wait', reason: `holds ${balance} base units of ${coin} but ${seen} are recorded` } : { outcome: 'nothing' };
    }
    const surplus = balance - recordedSum(transfers, option, block.blockNumber);
    if (surplus <= 0n) return { outcome: 'nothing' };
    if (confirmationsOf(block.blockNumber, cursor) < option.requiredConfirmations) {
      return { outcome: 'wait', reason: `${surplus} base units of ${coin} at the deadline block ${block.blockNumber} wait for confirmations` };
    }
    this.logger.log(`Payment ${payment.id}: ${surplus} base units of ${coin} at its deadline block ${block.blockNumber} came by no recorded transfer; credited`);
    return { outcome: 'credit', credit: creditOf(payment, option, block, surplus) };
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

/** What one option's balance check found. */
type HoldingCheck = { outcome: 'nothing' } | { outcome: 'credit'; credit: Transfer } | { outcome: 'wait'; reason: string };

/**
 * The options whose balance the check reads: the selected one (the payment's own coin) and
 * every native-coin option, at most one per chain (a contract's internal call can forward
 * native coin, never a token without its log).
 */
function checkedOptions(payment: Payment): PaymentOption[] {
  const selected = selectedOptionOf(payment);
  const native = paymentOptionsOf(payment).filter((option) => option.token.address === null && option.id !== selected.id);
  return [selected, ...native];
}

/** Active transfers of the option's coin on its chain up to `throughBlock` (all blocks when null), base units. */
function recordedSum(transfers: readonly Transfer[], option: PaymentOption, throughBlock: bigint | null): bigint {
  let sum = 0n;
  for (const transfer of transfers) {
    if (transfer.status !== 'active' || !sameOption(option, { chainId: transfer.chainId, token: { address: transfer.tokenAddress } })) continue;
    if (throughBlock !== null && transfer.blockNumber > throughBlock) continue;
    sum += transfer.amount;
  }
  return sum;
}

/**
 * The balance credit of one option. The selected option's keeps the key
 * `(chainId, balanceCreditTxHash(paymentId), -2)`; another option's names the option too, so
 * two credits of one payment on one chain never share a key.
 */
function creditOf(payment: Payment, option: PaymentOption, block: ChainBlock, amount: bigint): Transfer {
  const selected = sameOption(option, payment);
  return {
    chainId: option.chainId,
    txHash: balanceCreditTxHash(selected ? payment.id : `${payment.id}:${option.id}`),
    logIndex: BALANCE_CREDIT_LOG_INDEX,
    blockNumber: block.blockNumber,
    blockHash: block.blockHash,
    blockTimestamp: block.timestamp,
    from: UNKNOWN_SENDER,
    to: option.depositAddress,
    tokenAddress: option.token.address,
    amount,
    paymentId: payment.id,
    status: 'active',
  };
}
