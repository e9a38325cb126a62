import type { ChainConfig } from '@kassa/config';
import { type TokenRef, ValidationError } from '@kassa/domain';

/** A chain and one of the coins it carries: an ERC-20 token or the native coin. */
export interface ResolvedCurrency {
  chain: ChainConfig;
  token: TokenRef;
}

/**
 * Looks up configured chains and their coins by the names merchants use: a token symbol
 * (`USDC`) or the native coin's symbol (`ETH`), optionally narrowed by EIP-155 chain id.
 */
export class ChainRegistry {
  private readonly byId: ReadonlyMap<number, ChainConfig>;

  constructor(readonly chains: readonly ChainConfig[]) {
    this.byId = new Map(chains.map((chain) => [chain.chainId, chain]));
  }

  /** The chain with this id, or undefined. */
  find(chainId: number): ChainConfig | undefined {
    return this.byId.get(chainId);
  }

  /**
   * The chain with this id.
   * @throws Error when the chain is not configured (a programming or configuration error)
   */
  get(chainId: number): ChainConfig {
    const chain = this.byId.get(chainId);
    if (!chain) throw new Error(`Chain ${chainId} is not configured`);
    return chain;
  }

  /** The coins of a chain: its native coin first, then its tokens. */
  currenciesOf(chain: ChainConfig): TokenRef[] {
    return [
      { symbol: chain.nativeCurrency.symbol, address: null, decimals: chain.nativeCurrency.decimals },
      ...chain.tokens.map((token) => ({ symbol: token.symbol, address: token.address, decimals: token.decimals })),
    ];
  }

  /** Every coin of every chain, chains in configuration order, each chain's native coin first. */
  coins(): ResolvedCurrency[] {
    return this.chains.flatMap((chain) => this.currenciesOf(chain).map((token) => ({ chain, token })));
  }

  /** The coins named `symbol` (case-insensitive), on every chain that carries one. */
  coinsNamed(symbol: string): ResolvedCurrency[] {
    const wanted = symbol.toUpperCase();
    return this.coins().filter(({ token }) => token.symbol.toUpperCase() === wanted);
  }

  /**
   * Resolves a merchant's `currency` (+ optional `chainId`) to one chain and token.
   * Symbols compare case-insensitively.
   * @throws ValidationError on field `chainId` for an unknown chain, on `currency` for an
   *   unknown symbol, and on `chainId` when the symbol exists on several chains and none was given
   */
  resolve(currency: string, chainId?: number): ResolvedCurrency {
    const symbol = currency.toUpperCase();
    if (chainId !== undefined) {
      const chain = this.byId.get(chainId);
      if (!chain) throw ValidationError.field('chainId', `chain ${chainId} is not supported`);
      const token = this.currenciesOf(chain).find((candidate) => candidate.symbol.toUpperCase() === symbol);
      if (!token) throw ValidationError.field('currency', `'${currency}' is not accepted on chain ${chainId}`);
      return { chain, token };
    }
    const matches = this.coinsNamed(symbol);
    if (matches.length === 0) throw ValidationError.field('currency', `'${currency}' is not a supported currency`);
    if (matches.length > 1) {
      const ids = matches.map((match) => match.chain.chainId).join(', ');
      throw ValidationError.field('chainId', `is required: '${currency}' exists on chains ${ids}`);
    }
    return matches[0]!;
  }
}
