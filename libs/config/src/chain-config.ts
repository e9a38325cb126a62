import { z } from 'zod';

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
  .transform((value) => value as `0x${string}`);

/** An ERC-20 token Kassa accepts on a chain. */
export const tokenConfigSchema = z.object({
  symbol: z.string().min(1).max(16).describe('Ticker merchants use as `currency`, e.g. USDC'),
  address: address.describe('Token contract address'),
  decimals: z.number().int().min(0).max(36).describe('The token\'s ERC-20 decimals()'),
});

/** One EVM chain Kassa watches (DESIGN.md "Chain watcher"). */
export const chainConfigSchema = z.object({
  chainId: z.number().int().positive().describe('EIP-155 chain id'),
  name: z.string().min(1).describe('Network name shown to customers'),
  rpcUrls: z.array(z.string().url()).min(1).describe('HTTP JSON-RPC URLs, tried in order'),
  wsUrl: z.string().url().optional().describe('WebSocket JSON-RPC URL for newHeads (optional)'),
  confirmations: z.number().int().min(1).max(1000).describe('Confirmations a transfer needs to count'),
  finalityDepth: z.number().int().min(1).max(10_000).default(64).describe('Blocks kept for reorg detection'),
  pollIntervalMs: z.number().int().min(50).default(1000).describe('Head polling interval'),
  rpcTimeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Timeout of one JSON-RPC request (or batch) before the next RPC URL is tried'),
  startBlock: z.number().int().min(0).optional().describe('First block to scan when no cursor is stored'),
  nativeCurrency: z
    .object({ symbol: z.string().min(1).max(16), decimals: z.number().int().min(0).max(36) })
    .default({ symbol: 'ETH', decimals: 18 }),
  factoryAddress: address.describe('DepositFactory address'),
  implementationAddress: address.describe('DepositForwarder implementation behind the clones'),
  tokens: z.array(tokenConfigSchema).default([]),
});

export type TokenConfig = z.infer<typeof tokenConfigSchema>;
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
    });
  });
