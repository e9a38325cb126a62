import { z } from 'zod';

/** An ISO 4217-style code of a pricing currency, e.g. USD. */
const pricingCurrency = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter uppercase currency code, e.g. USD');

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
  .transform((value) => value as `0x${string}`);

/** An ERC-20 token Kassa accepts on a chain. */
export const tokenConfigSchema = z.object({
  symbol: z.string().min(1).max(16).describe('Ticker merchants use as `currency`, e.g. USDC'),
  address: address.describe('Token contract address'),
  decimals: z.number().int().min(0).max(36).describe('The token\'s ERC-20 decimals()'),
  contractSymbol: z
    .string()
    .min(1)
    .max(32)
    .optional()
    .describe('The token contract\'s symbol() where it differs from the ticker merchants use (e.g. USD₮0 for USDT); default the ticker'),
  peggedTo: pricingCurrency
    .optional()
    .describe('Pricing currency the token is pegged to 1:1 (e.g. USD for USDC): it quotes at exactly 1 in it, no price feed read'),
});

/**
 * A Chainlink-style price feed (AggregatorV3Interface `latestRoundData` + `decimals`) quoting
 * one coin of the chain in a pricing currency (docs/pricing.md "Rates").
 */
export const priceFeedConfigSchema = z.object({
  currency: z.string().min(1).max(16).describe('Symbol of the coin priced: a token of this chain or its native coin, e.g. ETH'),
  pricingCurrency: pricingCurrency.describe('What the answer is in, e.g. USD'),
  address: address.describe('Aggregator contract address'),
  maxAgeSeconds: z
    .number()
    .int()
    .min(1)
    .default(3600)
    .describe('Oldest round (its updatedAt) still used; an older one makes the rate unavailable'),
});

/** One EVM chain Kassa watches (DESIGN.md "Chain watcher"). */
export const chainConfigSchema = z.object({
  chainId: z.number().int().positive().describe('EIP-155 chain id'),
  name: z.string().min(1).describe('Network name shown to customers'),
  rpcUrls: z.array(z.string().url()).min(1).describe('HTTP JSON-RPC URLs, tried in order'),
  wsUrl: z.string().url().optional().describe('WebSocket JSON-RPC URL for newHeads (optional)'),
  confirmations: z.number().int().min(1).max(1000).describe('Confirmations a transfer needs to count'),
  finalityDepth: z.number().int().min(1).max(10_000).default(64).describe('Blocks kept for reorg detection'),
  finalizedTag: z
    .boolean()
    .default(false)
    .describe("The node answers the 'finalized' block tag: block hashes are kept from the finalized block up, and a reorg that would replace a finalized block is refused (the chain stalls)"),
  pollIntervalMs: z.number().int().min(50).default(1000).describe('Head polling interval'),
  rpcTimeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Timeout of one JSON-RPC request (or batch) before the next RPC URL is tried'),
  rpcRequestsPerSecond: z
    .number()
    .positive()
    .max(100_000)
    .optional()
    .describe("Request budget of each RPC URL, requests per second (the provider plan's limit); unset: none"),
  startBlock: z.number().int().min(0).optional().describe('First block to scan when no cursor is stored'),
  onNodeReset: z
    .enum(['stall', 'forget'])
    .default('stall')
    .describe(
      "What the watcher does when the node serves another chain than the recorded one (another genesis block): 'stall' (default) stops the chain until an operator acts; 'forget' (development chains that restart from genesis) forgets the old chain's history, so its transfers stop counting, and follows the new one",
    ),
  nativeCurrency: z
    .object({ symbol: z.string().min(1).max(16), decimals: z.number().int().min(0).max(36) })
    .default({ symbol: 'ETH', decimals: 18 }),
  explorerUrl: z
    .string()
    .url()
    .optional()
    .describe('Block explorer base URL, for the checkout\'s links: <explorerUrl>/address/<address>, <explorerUrl>/tx/<hash>'),
  factoryAddress: address.describe('DepositFactory address'),
  implementationAddress: address.describe('DepositForwarder implementation behind the clones'),
  tokens: z.array(tokenConfigSchema).default([]),
  priceFeeds: z.array(priceFeedConfigSchema).default([]).describe('Price feeds of coins that are not pegged to the pricing currency'),
});

export type TokenConfig = z.infer<typeof tokenConfigSchema>;
export type PriceFeedConfig = z.infer<typeof priceFeedConfigSchema>;
export type ChainConfig = z.infer<typeof chainConfigSchema>;

export const chainsConfigSchema = z
  .array(chainConfigSchema)
  .superRefine((chains, ctx) => {
    const seen = new Set<number>();
    chains.forEach((chain, index) => {
      if (seen.has(chain.chainId)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index, 'chainId'], message: `chain ${chain.chainId} is configured twice` });
      }
      seen.add(chain.chainId);
      const symbols = new Set([chain.nativeCurrency.symbol, ...chain.tokens.map((token) => token.symbol)].map((symbol) => symbol.toUpperCase()));
      const feeds = new Set<string>();
      chain.priceFeeds.forEach((feed, feedIndex) => {
        if (!symbols.has(feed.currency.toUpperCase())) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [index, 'priceFeeds', feedIndex, 'currency'],
            message: `'${feed.currency}' is neither the native coin nor a token of chain ${chain.chainId}`,
          });
        }
        const key = `${feed.currency.toUpperCase()}/${feed.pricingCurrency}`;
        if (feeds.has(key)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [index, 'priceFeeds', feedIndex],
            message: `a ${key} feed is configured twice on chain ${chain.chainId}`,
          });
        }
        feeds.add(key);
      });
    });
  });
