import { numberToHex, toEventSelector, type Address, type Hex, type PublicClient } from 'viem';

import { NATIVE_LOG_INDEX } from '@kassa/domain';

import { ChecksumMemo } from '../evm-address';
import { isTransportFailure } from '../rpc/rpc-endpoints';
import { BlockNotAvailableError, ChainChangedDuringScanError, RpcReadError } from './follower.errors';
import type { AnnouncedHead } from './head-source';
import { AdaptiveLogRange, suggestedLogRange } from './log-range';
import type { ScannedBlock, ScannedRange, ScannedTransfer, WatchedAddressFilter } from './scanned-range';

/** `Transfer(address,address,uint256)`, topic 0 of every ERC-20 transfer log. */
export const ERC20_TRANSFER_TOPIC: Hex = toEventSelector('Transfer(address,address,uint256)');

/** The read-only JSON-RPC surface the scanner needs (any viem public client has it). */
export type ScannerClient = Pick<PublicClient, 'request'>;

/** Options of a {@link BlockScanner}. */
export interface BlockScannerOptions {
  /** EIP-155 chain id stamped on every transfer. */
  chainId: number;
  /** ERC-20 contracts whose `Transfer` logs count (the chain's configured tokens). */
  tokens: readonly Address[];
  /** Widest block range of one `eth_getLogs`; the span adapts below it. Default 1,000. */
  maxLogRange?: number;
  /**
   * The client that asks for the head and the announced block's logs
   * ({@link BlockScanner.headBlockNumber}, {@link BlockScanner.prefetchTransferLogs}), which
   * must be one batch: `ChainClient.immediate` sends it without waiting for viem's batch
   * timer (a millisecond of every step at the head). Default: the scanner's client.
   */
  headClient?: ScannerClient;
}

// The raw JSON-RPC shapes the scanner reads: only the fields it uses, as hex quantities.
interface RawTransaction {
  hash: Hex;
  from: Hex;
  to: Hex | null;
  value: Hex;
}
interface RawBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  transactions: (RawTransaction | Hex)[];
}
interface RawLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: Hex;
  removed?: boolean;
}
interface RawReceipt {
  status?: Hex;
  blockHash: Hex;
}

/**
 * Reads blocks and finds the transfers to watched deposit addresses in them (DESIGN.md
 * "Chain watcher"). Per range the cost does not depend on how many addresses are watched:
 * - ONE `eth_getLogs` over the whole range for the `Transfer` topic of the configured
 *   tokens (or one per span of {@link AdaptiveLogRange} when the node limits ranges: a
 *   refused range is asked again in smaller spans, and the span grows back after);
 *   `to` is read from `topics[2]` and looked up in the watched set, and only
 *   matches are ABI-decoded. Reverted transactions leave no logs, so they never count.
 * - `eth_getBlockByNumber` with full transactions for every block of the range (sent as
 *   one JSON-RPC batch by a batching client) for native coin: a transaction whose `to` is
 *   watched and whose value is > 0; only matches get their receipt read, and only
 *   successful ones count. Value moved by internal calls is not visible here (the
 *   scheduler's balance check covers it).
 * Every answer is checked against the block hashes of the same scan, so a reorg while
 * reading fails the scan ({@link ChainChangedDuringScanError}) instead of mixing branches.
 */
export class BlockScanner {
  private readonly tokens: readonly Address[];
  private readonly logRange: AdaptiveLogRange;
  /**
   * The latest block the node answered ({@link headBlockNumber}), with its transactions when
   * the last scan needed bodies: reused as that block by the next scan that needs the same.
   */
  private latest: { block: RawBlock; withTransactions: boolean } | null = null;
  /** Whether the last scan read block bodies (a watched payment accepts the native coin). */
  private bodiesWanted = false;
  /** Checksummed token contracts and senders, which recur. */
  private readonly recurring = new ChecksumMemo();
  /** The `Transfer` logs of an announced block, asked alongside the head ({@link prefetchTransferLogs}); null when the read failed. */
  private prefetched: { head: AnnouncedHead; logs: Promise<RawLog[] | null> } | null = null;
  private readonly headClient: ScannerClient;

  constructor(
    private readonly client: ScannerClient,
    private readonly options: BlockScannerOptions,
  ) {
    this.tokens = options.tokens.map((token) => token.toLowerCase() as Address);
    this.logRange = new AdaptiveLogRange(options.maxLogRange ?? 1_000);
    this.headClient = options.headClient ?? client;
  }

  /** Blocks one `eth_getLogs` spans now (shrinks when the node refuses a range, grows back after). */
  get logSpan(): number {
    return this.logRange.span;
  }

  /**
   * The node's latest block number.
   * @throws RpcReadError when every RPC URL fails
   */
  async headBlockNumber(): Promise<bigint> {
    // The latest block rather than eth_blockNumber: one call gives the head and, when the next
    // scan is of that block, the block itself (one request less per block at the head); with
    // its transactions when the last scan needed bodies.
    const withTransactions = this.bodiesWanted;
    const head = await this.call('the head block', () => this.headClient.request({ method: 'eth_getBlockByNumber', params: ['latest', withTransactions] }));
    if (!head) throw RpcReadError.wrap('the head block', new Error('the node answered no latest block'));
    this.latest = { block: head as unknown as RawBlock, withTransactions };
    return BigInt(this.latest.block.number);
  }

  /**
   * Asks now for the `Transfer` logs of the announced block `head` by its hash (`eth_getLogs`
   * with `blockHash`, EIP-234); call it right after asking for the head, so both go in one
   * JSON-RPC batch, the logs second (docs/watcher.md "Following the head"): at the head the
   * announced block is most often the only new one, and its {@link scan} then takes these
   * logs instead of a second round trip. They are used only when the scan is of that one
   * block and the node's block there has that hash: a hash-filtered answer covers exactly
   * that block, and EIP-234 has a node that lacks it answer an error, not an empty list. A
   * failed read is dropped quietly (the scan asks again). Nothing is asked when the scan
   * would read no logs.
   */
  prefetchTransferLogs(head: AnnouncedHead, watched: WatchedAddressFilter): void {
    if (!this.wantsLogs(watched)) return;
    const logs = this.headClient
      .request({ method: 'eth_getLogs', params: [{ blockHash: head.hash, address: [...this.tokens], topics: [ERC20_TRANSFER_TOPIC] }] })
      .then((answer) => answer as unknown as RawLog[], () => null);
    this.prefetched = { head, logs };
  }

  /**
   * The node's finalized block (the `finalized` block tag), or null when the node does not
   * know the tag or has none yet.
   * @throws RpcReadError when every RPC URL fails
   */
  async finalizedBlock(): Promise<{ number: bigint; hash: Hex } | null> {
    try {
      const block = (await this.client.request({ method: 'eth_getBlockByNumber', params: ['finalized', false] })) as unknown as RawBlock | null;
      return block ? { number: BigInt(block.number), hash: block.hash.toLowerCase() as Hex } : null;
    } catch (error) {
      // A node without the tag answers a JSON-RPC error: no finality known.
      if (!isTransportFailure(error)) return null;
      throw RpcReadError.wrap(`the finalized block of chain ${this.options.chainId}`, error);
    }
  }

  /**
   * The block headers `numbers` as the node sees them now; a block the node does not have
   * is absent from the map. One JSON-RPC batch.
   * @throws RpcReadError when every RPC URL fails
   */
  async headers(numbers: readonly bigint[]): Promise<Map<bigint, ScannedBlock>> {
    const blocks = await Promise.all(numbers.map((n) => this.rawBlock(n, false)));
    const byNumber = new Map<bigint, ScannedBlock>();
    for (const block of blocks) if (block) byNumber.set(BigInt(block.number), toScannedBlock(block));
    return byNumber;
  }

  /**
   * Scans blocks `fromBlock..toBlock` (inclusive, fromBlock <= toBlock) for transfers to
   * the addresses in `watched`.
   * @returns the blocks (ascending, linked by parent hash) and the successful transfers
   * @throws BlockNotAvailableError when the node lacks a block of the range;
   *   ChainChangedDuringScanError when the chain changed while reading;
   *   RpcReadError when every RPC URL fails
   */
  async scan(fromBlock: bigint, toBlock: bigint, watched: WatchedAddressFilter): Promise<ScannedRange> {
    if (fromBlock > toBlock) throw new RangeError(`Empty block range ${fromBlock}..${toBlock}`);
    // Block bodies only where a watched payment accepts the native coin; token transfers are in
    // the logs; with nothing watched, headers are enough (the hashes still have to be recorded).
    const withTransactions = (watched.nativeSize ?? watched.size) > 0;
    this.bodiesWanted = withTransactions;
    const withLogs = this.wantsLogs(watched);
    const polled = this.latest;
    const prefetched = this.prefetched?.head.number === fromBlock && fromBlock === toBlock ? this.prefetched : null;
    this.prefetched = null;
    const numbers: bigint[] = [];
    for (let n = fromBlock; n <= toBlock; n++) numbers.push(n);

    const [rawBlocks, answered] = await Promise.all([
      Promise.all(
        numbers.map((n) =>
          polled && polled.withTransactions === withTransactions && polled.block.number === numberToHex(n) ? polled.block : this.rawBlock(n, withTransactions),
        ),
      ),
      !withLogs ? Promise.resolve([]) : prefetched ? prefetched.logs : this.transferLogs(fromBlock, toBlock),
    ]);
    // Logs asked by hash count only for the block of that hash; otherwise they are asked now.
    const stale = withLogs && prefetched !== null && (answered === null || rawBlocks[0]?.hash.toLowerCase() !== prefetched.head.hash);
    const logs = stale ? await this.transferLogs(fromBlock, toBlock) : (answered ?? []);

    const blocks: ScannedBlock[] = [];
    const byNumber = new Map<bigint, ScannedBlock>();
    rawBlocks.forEach((raw, i) => {
      if (!raw) throw new BlockNotAvailableError(`Block ${numbers[i]} of chain ${this.options.chainId} is not available yet`);
      const block = toScannedBlock(raw);
      const previous = blocks[blocks.length - 1];
      if (previous && block.parentHash !== previous.hash) {
        throw new ChainChangedDuringScanError(
          `Block ${block.number} of chain ${this.options.chainId} does not follow block ${previous.number} (reorg while reading)`,
        );
      }
      blocks.push(block);
      byNumber.set(block.number, block);
    });

    const transfers = [
      ...this.tokenTransfers(logs, byNumber, watched),
      ...(withTransactions ? await this.nativeTransfers(rawBlocks as RawBlock[], byNumber, watched) : []),
    ];
    transfers.sort(inBlockOrder);
    return { fromBlock, toBlock, blocks, transfers };
  }

  /**
   * Reads blocks already stored once more, for the addresses of `watched` (an address learnt
   * after the blocks were read: docs/watcher.md "Watched addresses"): the `Transfer` logs of
   * the range, and the bodies of its blocks only when a watched payment takes the native
   * coin. Headers are not read again: every answer is checked against the stored hashes
   * instead (a log's block hash, a body's hash, and the last block's header when no body is
   * read, so a node behind the range or on another branch is never taken for one without
   * transfers).
   * @param stored the stored blocks, ascending and each the parent of the next
   * @returns the range with `stored` as its blocks, and the transfers found in them
   * @throws ChainChangedDuringScanError when the node's blocks are not the stored ones;
   *   BlockNotAvailableError when the node lacks one; RpcReadError when every RPC URL fails
   */
  async rescan(stored: readonly ScannedBlock[], watched: WatchedAddressFilter): Promise<ScannedRange> {
    const first = stored[0];
    const last = stored[stored.length - 1];
    if (!first || !last) throw new RangeError('No stored blocks to read again');
    const byNumber = new Map(stored.map((block) => [block.number, block]));
    const withTransactions = (watched.nativeSize ?? watched.size) > 0;
    const [bodies, logs] = await Promise.all([
      Promise.all((withTransactions ? stored : [last]).map((block) => this.rawBlock(block.number, withTransactions))),
      this.wantsLogs(watched) ? this.transferLogs(first.number, last.number) : Promise.resolve([]),
    ]);
    bodies.forEach((raw, i) => {
      const expected = withTransactions ? stored[i]! : last;
      if (!raw) throw new BlockNotAvailableError(`Block ${expected.number} of chain ${this.options.chainId} is not available`);
      if (raw.hash.toLowerCase() !== expected.hash) {
        throw new ChainChangedDuringScanError(`Block ${expected.number} of chain ${this.options.chainId} is no longer the stored one`);
      }
    });
    const transfers = [
      ...this.tokenTransfers(logs, byNumber, watched),
      ...(withTransactions ? await this.nativeTransfers(bodies as RawBlock[], byNumber, watched) : []),
    ];
    transfers.sort(inBlockOrder);
    return { fromBlock: first.number, toBlock: last.number, blocks: [...stored], transfers };
  }

  private wantsLogs(watched: WatchedAddressFilter): boolean {
    return watched.size > 0 && this.tokens.length > 0;
  }

  private tokenTransfers(logs: readonly RawLog[], blocks: ReadonlyMap<bigint, ScannedBlock>, watched: WatchedAddressFilter): ScannedTransfer[] {
    const transfers: ScannedTransfer[] = [];
    for (const log of logs) {
      // ERC-20 Transfer has exactly 3 topics (ERC-721's has 4); `to` is the last 20 bytes of topics[2].
      const toTopic = log.topics[2];
      if (log.topics.length !== 3 || !toTopic || !watched.has(`0x${toTopic.slice(26)}`.toLowerCase())) continue;
      const block = blocks.get(BigInt(log.blockNumber));
      if (!block || log.removed || log.blockHash.toLowerCase() !== block.hash) {
        throw new ChainChangedDuringScanError(
          `Log ${log.transactionHash}:${log.logIndex} of chain ${this.options.chainId} is not in the scanned block ${log.blockNumber}`,
        );
      }
      const args = transferArguments(log);
      // Not a well-formed ERC-20 Transfer, or nothing moved: nothing a payment can count.
      if (!args || args.value === 0n) continue;
      transfers.push({
        chainId: this.options.chainId,
        txHash: log.transactionHash.toLowerCase() as Hex,
        logIndex: Number(BigInt(log.logIndex)),
        blockNumber: block.number,
        blockHash: block.hash,
        blockTimestamp: block.timestamp,
        from: this.recurring.of(args.from),
        to: args.to as Hex,
        tokenAddress: this.recurring.of(log.address.toLowerCase()),
        amount: args.value,
      });
    }
    return transfers;
  }

  private async nativeTransfers(
    rawBlocks: readonly RawBlock[],
    blocks: ReadonlyMap<bigint, ScannedBlock>,
    watched: WatchedAddressFilter,
  ): Promise<ScannedTransfer[]> {
    const candidates: { tx: RawTransaction; block: ScannedBlock }[] = [];
    for (const raw of rawBlocks) {
      const block = blocks.get(BigInt(raw.number))!;
      for (const tx of raw.transactions) {
        if (typeof tx === 'string' || !tx.to || !watched.has(tx.to.toLowerCase())) continue;
        if (BigInt(tx.value) === 0n) continue;
        candidates.push({ tx, block });
      }
    }
    if (candidates.length === 0) return [];
    const receipts = await Promise.all(
      candidates.map(({ tx }) =>
        this.call(`the receipt of ${tx.hash}`, async () => {
          const receipt = await this.client.request({ method: 'eth_getTransactionReceipt', params: [tx.hash] });
          return receipt as unknown as RawReceipt | null;
        }),
      ),
    );
    const transfers: ScannedTransfer[] = [];
    candidates.forEach(({ tx, block }, i) => {
      const receipt = receipts[i];
      if (!receipt || receipt.blockHash.toLowerCase() !== block.hash) {
        throw new ChainChangedDuringScanError(
          `The receipt of ${tx.hash} on chain ${this.options.chainId} is not in the scanned block ${block.number}`,
        );
      }
      if (receipt.status !== '0x1') return; // Reverted: no value moved.
      transfers.push({
        chainId: this.options.chainId,
        txHash: tx.hash.toLowerCase() as Hex,
        logIndex: NATIVE_LOG_INDEX,
        blockNumber: block.number,
        blockHash: block.hash,
        blockTimestamp: block.timestamp,
        from: this.recurring.of(tx.from.toLowerCase()),
        to: tx.to!.toLowerCase() as Hex,
        tokenAddress: null,
        amount: BigInt(tx.value),
      });
    });
    return transfers;
  }

  /**
   * `Transfer` logs of the configured tokens in `fromBlock..toBlock`, asked in spans of the
   * current {@link AdaptiveLogRange} (concurrently: a batching client sends them as one
   * JSON-RPC batch). A span the node refuses (too many results, range too wide, response
   * too large) is asked again in the span the node suggested ({@link suggestedLogRange}) or
   * in halves, and the span shrinks for the following requests.
   */
  private async transferLogs(fromBlock: bigint, toBlock: bigint): Promise<RawLog[]> {
    const parts = await Promise.all(this.logRange.split(fromBlock, toBlock).map(([from, to]) => this.transferLogsOf(from, to)));
    return parts.flat();
  }

  private async transferLogsOf(fromBlock: bigint, toBlock: bigint): Promise<RawLog[]> {
    const width = Number(toBlock - fromBlock + 1n);
    try {
      const logs = await this.client.request({
        method: 'eth_getLogs',
        params: [{ fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock), address: [...this.tokens], topics: [ERC20_TRANSFER_TOPIC] }],
      });
      this.logRange.succeeded(width);
      return logs as unknown as RawLog[];
    } catch (error) {
      if (fromBlock < toBlock && isRangeRefusal(error)) {
        this.logRange.refused(width, suggestedLogRange(errorText(error)));
        return this.transferLogs(fromBlock, toBlock);
      }
      throw RpcReadError.wrap(`Transfer logs of blocks ${fromBlock}..${toBlock} on chain ${this.options.chainId}`, error);
    }
  }

  private rawBlock(n: bigint, withTransactions: boolean): Promise<RawBlock | null> {
    return this.call(`block ${n} of chain ${this.options.chainId}`, async () => {
      const block = await this.client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(n), withTransactions] });
      return block as unknown as RawBlock | null;
    });
  }

  private async call<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw RpcReadError.wrap(what, error);
    }
  }
}

/** Block order, then log index (a native transfer, log index -1, first in its block). */
function inBlockOrder(a: ScannedTransfer, b: ScannedTransfer): number {
  return a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;
}

function toScannedBlock(raw: RawBlock): ScannedBlock {
  return {
    number: BigInt(raw.number),
    hash: raw.hash.toLowerCase() as Hex,
    parentHash: raw.parentHash.toLowerCase() as Hex,
    timestamp: new Date(Number(BigInt(raw.timestamp)) * 1000),
  };
}

/** Every message and detail along an error's causes: where a provider's words end up in viem's errors. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, (current as { details?: string }).details ?? '');
  }
  return parts.join(' ');
}

/**
 * Whether an `eth_getLogs` failure is the node refusing the size of the range (a JSON-RPC
 * error answer or an oversized response) rather than the node being unreachable.
 */
function isRangeRefusal(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const name = current.name;
    if (name === 'RpcRequestError' || name === 'ResponseBodyTooLargeError' || name === 'LimitExceededRpcError') return true;
    if (name === 'InvalidInputRpcError' || name === 'InvalidParamsRpcError') return true;
  }
  return false;
}

/** An ERC-20 `Transfer` log's data: exactly one 32-byte word, the value. */
const TRANSFER_DATA = /^0x[0-9a-fA-F]{64}$/;

/**
 * The arguments of an ERC-20 `Transfer(address indexed from, address indexed to, uint256
 * value)` log (EIP-20), read straight from its topics and data: `from` and `to` are the last
 * 20 bytes of topics 1 and 2 (ABI encoding of an indexed address), lowercase, `value` the one
 * data word. Cheaper than a generic ABI decoder on a busy token, where this runs for every
 * watched match.
 * @returns null when the log does not have that shape (a non-standard token)
 */
function transferArguments(log: Pick<RawLog, 'topics' | 'data'>): { from: string; to: string; value: bigint } | null {
  const [, fromTopic, toTopic] = log.topics;
  if (log.topics.length !== 3 || !fromTopic || !toTopic || !TRANSFER_DATA.test(log.data)) return null;
  return { from: `0x${fromTopic.slice(26).toLowerCase()}`, to: `0x${toTopic.slice(26).toLowerCase()}`, value: BigInt(log.data) };
}
