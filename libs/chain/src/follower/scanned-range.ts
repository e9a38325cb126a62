import type { Transfer } from '@kassa/domain';

/** One block as the follower records it (hashes are lowercase 0x hex, as nodes answer). */
export interface ScannedBlock {
  number: bigint;
  hash: `0x${string}`;
  parentHash: `0x${string}`;
  timestamp: Date;
}

/**
 * A transfer found in a block, before it is attributed to a payment. `to` is the watched
 * address as the chain wrote it, lowercase: the recorder stores the payment's own (EIP-55)
 * deposit address, so no recipient is checksummed twice, nor hashed at all when its payment
 * is known.
 */
export type ScannedTransfer = Omit<Transfer, 'paymentId' | 'status' | 'to'> & { to: `0x${string}` };

/** What a scan of blocks `fromBlock..toBlock` (inclusive) found. */
export interface ScannedRange {
  fromBlock: bigint;
  toBlock: bigint;
  /** Every block of the range, ascending, each the parent of the next. */
  blocks: ScannedBlock[];
  /** Successful transfers to watched addresses, ordered by block then log index (native first). */
  transfers: ScannedTransfer[];
}

/** The watched deposit addresses, queried by lowercase address; O(1) per lookup. */
export interface WatchedAddressFilter {
  /** Number of watched addresses (0 lets a scan skip transaction bodies and logs). */
  readonly size: number;
  /**
   * Number of watched addresses whose payment accepts the native coin on this chain (0 lets a
   * scan skip transaction bodies: token transfers are found in the logs). Absent: `size`.
   */
  readonly nativeSize?: number;
  /** True when `lowercaseAddress` (0x + 40 lowercase hex) is watched. */
  has(lowercaseAddress: string): boolean;
}
