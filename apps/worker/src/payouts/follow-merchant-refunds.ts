import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { erc20Abi, getAddress, parseEventLogs, TransactionNotFoundError, TransactionReceiptNotFoundError, type Hex, type TransactionReceipt } from 'viem';

import { type ChainClient, ChainRegistry, createChainClient } from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import { NATIVE_LOG_INDEX } from '@kassa/domain';
import { ChainCursorsRepository, RefundsRepository, type RefundTransfer, type StoredRefund } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

import { withAdvisoryLock } from '../settlement/settlement-lanes';

/** First key of the merchant-refund follower's advisory lock (second: the chain id): ASCII "KSRF". */
export const REFUND_FOLLOWER_LOCK_KEY = 0x4b535246;

/** Blocks searched per run for a token refund's `Transfer` log (one `eth_getLogs`, within common provider range limits). */
export const TOKEN_SEARCH_BLOCKS = 500n;
/** Blocks read per run for a native-coin refund sent without a reported hash (one `eth_getBlockByNumber` each). */
export const NATIVE_SEARCH_BLOCKS = 20n;

/**
 * Follows refunds paid from the merchant's own wallet (docs/refunds.md "Approval page"): Kassa
 * signs nothing; it watches the customer's address for the transfer.
 * - pending: a transfer of exactly the refund's amount, in its coin, to its address, in a block
 *   at or after the one the refund started watching from, that pays no other refund: the
 *   ERC-20 `Transfer` logs (https://eips.ethereum.org/EIPS/eip-20) to the address, or for the
 *   native coin the transactions of the blocks; a hash the approval page reported is looked at
 *   first. Found -> `sent` with `refund.sent`;
 * - sent: once its block has the chain's confirmations (counted against the watcher's verified
 *   cursor) -> `confirmed` with `refund.confirmed`; its receipt gone (a reorg) -> pending again.
 * Per chain under an advisory lock: one worker follows a chain at a time.
 */
@Injectable()
export class FollowMerchantRefunds {
  private readonly logger = new Logger(FollowMerchantRefunds.name);
  private readonly clients = new Map<number, ChainClient>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly refunds: RefundsRepository,
    private readonly cursors: ChainCursorsRepository,
    private readonly events: PaymentEventsService,
  ) {}

  /**
   * One look on every chain with merchant-wallet refunds in flight.
   * @throws the RPC or database error of a chain whose look failed (the next run looks again)
   */
  async run(now: Date): Promise<void> {
    for (const chain of this.chains.chains) {
      await withAdvisoryLock(this.dataSource, [REFUND_FOLLOWER_LOCK_KEY, chain.chainId], () => this.follow(chain, now));
    }
  }

  private async follow(chain: ChainConfig, now: Date): Promise<void> {
    const watched = await this.refunds.watched(chain.chainId);
    if (watched.length === 0) return;
    const head = (await this.cursors.heads([chain.chainId])).get(chain.chainId);
    if (head === undefined) return;
    const client = this.clientOf(chain);
    for (const refund of watched) {
      if (refund.status === 'sent') await this.confirm(chain, client, refund, head, now);
      else if (refund.address) await this.search(client, refund, head, now);
    }
  }

  private async search(client: ChainClient, refund: StoredRefund, head: bigint, now: Date): Promise<void> {
    const from = refund.watchFromBlock ?? head;
    if (refund.watchFromBlock === null) await this.refunds.watchFrom(refund.id, from);
    const reported = refund.reportedTxHash ? await this.reportedTransfer(client, refund, refund.reportedTxHash, from) : null;
    if (reported && (await this.markSent(refund, reported, now))) return;
    if (from > head) return;
    const to = refund.token.address ? min(head, from + TOKEN_SEARCH_BLOCKS - 1n) : min(head, from + NATIVE_SEARCH_BLOCKS - 1n);
    const candidates = refund.token.address ? await this.tokenTransfers(client, refund, from, to) : await this.nativeTransfers(client, refund, from, to);
    for (const candidate of candidates) if (await this.markSent(refund, candidate, now)) return;
    await this.refunds.watchFrom(refund.id, to + 1n);
  }

  /** `Transfer(from, to = address, value = amount)` logs of the refund's token in `[from, to]`. */
  private async tokenTransfers(client: ChainClient, refund: StoredRefund, from: bigint, to: bigint): Promise<RefundTransfer[]> {
    const logs = await client.getContractEvents({ address: refund.token.address!, abi: erc20Abi, eventName: 'Transfer', args: { to: refund.address! }, fromBlock: from, toBlock: to });
    return logs
      .filter((log) => log.args.value === refund.amount && log.blockNumber !== null && log.transactionHash !== null && log.logIndex !== null)
      .map((log) => ({ txHash: log.transactionHash!, logIndex: log.logIndex!, blockNumber: log.blockNumber! }));
  }

  /** Successful native-coin transactions of exactly the amount to the address, in `[from, to]`. */
  private async nativeTransfers(client: ChainClient, refund: StoredRefund, from: bigint, to: bigint): Promise<RefundTransfer[]> {
    const found: RefundTransfer[] = [];
    for (let number = from; number <= to; number++) {
      const block = await client.getBlock({ blockNumber: number, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.to && getAddress(tx.to) === refund.address && tx.value === refund.amount) {
          const receipt = await client.getTransactionReceipt({ hash: tx.hash });
          if (receipt.status === 'success') found.push({ txHash: tx.hash, logIndex: NATIVE_LOG_INDEX, blockNumber: number });
        }
      }
    }
    return found;
  }

  /** The transfer that pays the refund in the transaction the approval page reported, if it does. */
  private async reportedTransfer(client: ChainClient, refund: StoredRefund, hash: Hex, from: bigint): Promise<RefundTransfer | null> {
    const receipt = await this.receipt(client, hash);
    if (!receipt || receipt.status !== 'success' || receipt.blockNumber < from) return null;
    if (refund.token.address) {
      const log = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs }).find(
        (candidate) =>
          getAddress(candidate.address) === getAddress(refund.token.address!) && getAddress(candidate.args.to) === refund.address && candidate.args.value === refund.amount,
      );
      return log ? { txHash: hash, logIndex: log.logIndex, blockNumber: receipt.blockNumber } : null;
    }
    const tx = await client.getTransaction({ hash }).catch((error: unknown) => {
      if (error instanceof TransactionNotFoundError) return null;
      throw error;
    });
    return tx && tx.to && getAddress(tx.to) === refund.address && tx.value === refund.amount ? { txHash: hash, logIndex: NATIVE_LOG_INDEX, blockNumber: receipt.blockNumber } : null;
  }

  /** @returns false when the transfer already pays another refund (or this one moved on) */
  private async markSent(refund: StoredRefund, transfer: RefundTransfer, now: Date): Promise<boolean> {
    if (transfer.logIndex === null || (await this.refunds.transferTaken(refund.chainId, { txHash: transfer.txHash, logIndex: transfer.logIndex }))) return false;
    return this.dataSource.transaction(async (manager) => {
      const sent = await this.refunds.transition(manager, refund.id, ['pending'], 'sent', now, { transfer });
      if (!sent) return false;
      await this.events.recordRefund(manager, 'refund.sent', sent, now);
      this.logger.log(`Refund ${refund.id} was sent from the merchant's wallet in ${transfer.txHash} (block ${transfer.blockNumber})`);
      return true;
    });
  }

  private async confirm(chain: ChainConfig, client: ChainClient, refund: StoredRefund, head: bigint, now: Date): Promise<void> {
    const receipt = await this.receipt(client, refund.txHash!);
    await this.dataSource.transaction(async (manager) => {
      if (!receipt || receipt.status !== 'success') {
        // Its block left the chain: search again from where it was.
        if (await this.refunds.transition(manager, refund.id, ['sent'], 'pending', now, { transfer: null })) {
          this.logger.warn(`Refund ${refund.id}: its transfer ${refund.txHash} is no longer on chain (a reorg); looking for it again`);
        }
        return;
      }
      if (head - receipt.blockNumber + 1n < BigInt(chain.confirmations)) return;
      const confirmed = await this.refunds.transition(manager, refund.id, ['sent'], 'confirmed', now, {
        transfer: { txHash: receipt.transactionHash, logIndex: refund.logIndex, blockNumber: receipt.blockNumber },
      });
      if (confirmed) await this.events.recordRefund(manager, 'refund.confirmed', confirmed, now);
    });
    if (!receipt || receipt.status !== 'success') await this.refunds.watchFrom(refund.id, refund.blockNumber ?? refund.watchFromBlock ?? head);
  }

  private async receipt(client: ChainClient, hash: Hex): Promise<TransactionReceipt | null> {
    try {
      return await client.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return null;
      throw error;
    }
  }

  private clientOf(chain: ChainConfig): ChainClient {
    let client = this.clients.get(chain.chainId);
    if (!client) this.clients.set(chain.chainId, (client = createChainClient(chain)));
    return client;
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
