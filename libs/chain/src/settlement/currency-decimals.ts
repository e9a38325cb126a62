import type { ChainConfig } from '@kassa/config';

/**
 * The decimals of a currency symbol (a token, or a chain's native coin) on the configured
 * chains, compared case-insensitively; the largest where it exists on several (so an amount
 * valid on one chain is not refused). Undefined for a currency no chain carries.
 */
export function currencyDecimals(chains: readonly ChainConfig[], currency: string): number | undefined {
  const symbol = currency.toUpperCase();
  const decimals = chains.flatMap((chain) => [
    ...(chain.nativeCurrency.symbol.toUpperCase() === symbol ? [chain.nativeCurrency.decimals] : []),
    ...chain.tokens.filter((token) => token.symbol.toUpperCase() === symbol).map((token) => token.decimals),
  ]);
  return decimals.length ? Math.max(...decimals) : undefined;
}
