import { describeRpcError } from '../rpc/rpc-endpoints';

/**
 * Errors of the chain-reading side of the block follower. Each has a stable `code`; an
 * error caused by a viem call keeps the viem error (a `BaseError` with `shortMessage`,
 * `details`) as `cause`. Every one of them is transient for a follower: it backs off and
 * tries the range again, except {@link ReorgTooDeepError}, which needs an operator.
 */
export type BlockFollowerErrorCode = 'rpc_read_failed' | 'block_not_available' | 'chain_changed_during_scan' | 'reorg_too_deep';

/** Base class of the errors the follower's chain reads throw on purpose. */
export abstract class BlockFollowerError extends Error {
  abstract readonly code: BlockFollowerErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

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
