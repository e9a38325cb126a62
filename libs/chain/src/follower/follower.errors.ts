import { type BlockFollowerErrorCode, KassaError } from '@kassa/domain';

import { describeRpcError } from '../rpc/rpc-endpoints';

/**
 * Errors of the chain-reading side of the block follower. Each has a stable `code`; an
 * error caused by a viem call keeps the viem error (a `BaseError` with `shortMessage`,
 * `details`) as `cause`. Every one of them is transient for a follower: it backs off and
 * tries the range again, except {@link ReorgTooDeepError} and {@link ChainIdentityMismatchError},
 * which need an operator.
 */
/** Base class of the errors the follower's chain reads throw on purpose (codes: {@link BlockFollowerErrorCode}). */
export abstract class BlockFollowerError extends KassaError<BlockFollowerErrorCode> {}

/** A JSON-RPC read failed on every configured URL (after retries); `cause` is the viem error. */
export class RpcReadError extends BlockFollowerError {
  readonly code = 'rpc_read_failed' as const;

  /** Wraps `error` (usually a viem `BaseError`) as the cause of a read of `what`; follower errors pass through. */
  static wrap(what: string, error: unknown): BlockFollowerError {
    if (error instanceof BlockFollowerError) return error;
    return new RpcReadError(`Reading ${what} failed: ${describeRpcError(error)}`, { cause: error });
  }
}

/** The node does not have a block the follower asked for (yet): it answered `null`. */
export class BlockNotAvailableError extends BlockFollowerError {
  readonly code = 'block_not_available' as const;
}

/**
 * The answers of one scan do not fit together (a block's parent hash is not the previous
 * block's hash, a log or receipt names another block hash): the chain reorganised while it
 * was being read. The range is read again.
 */
export class ChainChangedDuringScanError extends BlockFollowerError {
  readonly code = 'chain_changed_during_scan' as const;
}

/**
 * The node's chain shares no block with the stored blocks (a reorg deeper than
 * `finalityDepth`, or the node was reset). The follower stops advancing the chain rather
 * than guess: an operator must look.
 */
export class ReorgTooDeepError extends BlockFollowerError {
  readonly code = 'reorg_too_deep' as const;
}

/**
 * The node serves another chain than the one stored: its genesis block hash is not the
 * recorded one (a development node restarted from genesis, a provider's node of another
 * network under the same chain id). Nothing read from it may move a payment: the follower
 * stalls until an operator points the RPC URL at the right chain, or forgets the chain's
 * history on purpose (`kassa chain forget`, docs/watcher.md "Chain identity").
 */
export class ChainIdentityMismatchError extends BlockFollowerError {
  readonly code = 'chain_identity_mismatch' as const;

  constructor(
    readonly chainId: number,
    readonly recordedGenesisHash: string,
    readonly nodeGenesisHash: string,
  ) {
    super(
      `The RPC node of chain ${chainId} serves another chain: its genesis block is ${nodeGenesisHash}, the recorded one ${recordedGenesisHash}. ` +
        `Point the chain's RPC URL at the network Kassa followed, or, if that chain is gone for good (a reset development node), ` +
        `run 'kassa chain forget ${chainId}' to forget its history (its transfers stop counting)`,
    );
  }
}

/**
 * The node's head is below the block the watcher already verified: a lagging node behind a
 * load balancer, or one still synchronising. Its answers are not used until it catches up
 * (a real shorter branch shows when its next block's parent is not the stored block).
 */
export class NodeBehindError extends BlockFollowerError {
  readonly code = 'node_behind' as const;

  constructor(chainId: number, nodeHead: bigint, cursor: bigint) {
    super(
      `The RPC node of chain ${chainId} is behind the verified chain: its head is block ${nodeHead}, the watcher stands on block ${cursor}. ` +
        `Waiting for it to catch up; no confirmation counts meanwhile`,
    );
  }
}
