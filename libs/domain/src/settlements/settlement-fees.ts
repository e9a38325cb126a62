/**
 * Fee arithmetic of settlement transactions: what a replacement must offer, and how long a
 * failed settlement waits before the next try. Amounts are wei per gas (bigint).
 */

/** EIP-1559 fees (type 2 transaction) or a legacy gas price. */
export type TransactionFees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

/** The smallest bump nodes accept for a replacement with the same nonce: geth's txpool `PriceBump`, 10 %. */
export const MIN_FEE_BUMP_PERCENT = 10;

function bumped(previous: bigint, percent: number): bigint {
  // Rounded up, plus one wei: a node compares with >=, and rounding must never fall short.
  return (previous * BigInt(100 + percent) + 99n) / 100n + 1n;
}

/**
 * Fees for a transaction that replaces `previous` (same nonce): every fee raised by at least
 * `percent` (never less than {@link MIN_FEE_BUMP_PERCENT}, the replacement rule of geth and
 * Hardhat, which apply it to both EIP-1559 fees), or to the current market fee when that is
 * higher. A fee kind that changed (legacy <-> EIP-1559) takes the market's.
 *
 * @param previous the fees of the transaction being replaced
 * @param market the fees the node suggests now
 * @param percent bump, percent (>= 10)
 */
export function replacementFees(previous: TransactionFees, market: TransactionFees, percent: number): TransactionFees {
  const bump = Math.max(percent, MIN_FEE_BUMP_PERCENT);
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  if ('gasPrice' in previous && 'gasPrice' in market) return { gasPrice: max(bumped(previous.gasPrice, bump), market.gasPrice) };
  if ('maxFeePerGas' in previous && 'maxFeePerGas' in market) {
    const maxPriorityFeePerGas = max(bumped(previous.maxPriorityFeePerGas, bump), market.maxPriorityFeePerGas);
    const maxFeePerGas = max(max(bumped(previous.maxFeePerGas, bump), market.maxFeePerGas), maxPriorityFeePerGas);
    return { maxFeePerGas, maxPriorityFeePerGas };
  }
  return market;
}

/**
 * How long a settlement waits after its `attempt`-th consecutive failure: `baseMs x
 * 2^(attempt-1)`, at most `maxMs` (exponential backoff).
 */
export function settlementRetryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(baseMs * 2 ** exponent, maxMs);
}
