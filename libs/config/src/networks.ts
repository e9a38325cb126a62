import type { PriceFeedConfig, TokenConfig } from './chain-config';

/**
 * Kassa's DepositFactory and forwarder implementation: the same addresses on every chain,
 * created through the deterministic deployment proxy (libs/chain deterministic-deployment.ts
 * computes them from the compiled contracts; a spec there keeps these two equal to it).
 */
export const KASSA_FACTORY_ADDRESS = '0x3c4888cF464745a165a49456DE0A2BDB2E8bA3A9';
export const KASSA_IMPLEMENTATION_ADDRESS = '0x6032C7F09E4A31C9930563E5636F83c6a8B41FD7';

/** Names of the networks Kassa knows, as `KASSA_NETWORKS` takes them. */
export const NETWORK_NAMES = ['ethereum', 'base', 'arbitrum', 'optimism', 'polygon', 'bsc', 'avalanche', 'sepolia', 'base-sepolia'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** The identity of a network. */
export interface NetworkChain {
  id: number;
  name: string;
  nativeCurrency: { symbol: string; decimals: number };
  /** Block explorer base URL: `${explorer}/address/<address>`, `${explorer}/tx/<hash>`. */
  explorer: string;
  /** Multicall3 (github.com/mds1/multicall3): the same address on every network listed here. */
  multicall3: `0x${string}`;
}

const MULTICALL3 = '0xcA11bde05977b3631167028862bE2a173976CA11';
const chain = (id: number, name: string, symbol: string, explorer: string): NetworkChain => ({
  id,
  name,
  nativeCurrency: { symbol, decimals: 18 },
  explorer,
  multicall3: MULTICALL3,
});

/** A known network: what Kassa needs to watch it, every value with its source. */
export interface NetworkPreset {
  name: NetworkName;
  /**
   * EIP-155 chain id, display name, native coin, block explorer and Multicall3 address, as
   * viem's chain definitions (`viem/chains`, 2.57) and the networks' own documentation give them.
   */
  chain: NetworkChain;
  /** Average block time, ms (viem's `blockTime`, else the network's documentation). */
  blockTimeMs: number;
  /** Confirmations a transfer needs by default, and why (docs/networks.md explains each). */
  confirmations: number;
  /** How the network reaches finality, in one sentence. */
  finality: string;
  /** Whether the node answers the `finalized` block tag. */
  finalizedTag: boolean;
  /** The canonical stablecoins, with the issuer's page that lists each address. */
  tokens: (TokenConfig & { source: string })[];
  /** The native coin's Chainlink feed in USD (docs.chain.link/data-feeds/price-feeds/addresses), where one exists. */
  nativeFeed: (PriceFeedConfig & { source: string }) | null;
  testnet: boolean;
}

const CIRCLE = 'https://developers.circle.com/stablecoins/usdc-contract-addresses';
const TETHER = 'https://tether.to/en/supported-protocols';
const SKY_CHAINLOG = 'https://chainlog.sky.money (MCD_DAI)';
const CHAINLINK = 'https://docs.chain.link/data-feeds/price-feeds/addresses';
const BINANCE_PEG = 'https://bscscan.com/token/';

const usd = (symbol: string, address: `0x${string}`, decimals: number, source: string, contractSymbol?: string): TokenConfig & { source: string } => ({
  symbol,
  address,
  decimals,
  peggedTo: 'USD',
  ...(contractSymbol ? { contractSymbol } : {}),
  source,
});

const feed = (currency: string, address: `0x${string}`, heartbeatSeconds: number): PriceFeedConfig & { source: string } => ({
  currency,
  pricingCurrency: 'USD',
  address,
  // The feed's heartbeat plus 10 minutes: a round a little late is still used, a stale one is not.
  maxAgeSeconds: heartbeatSeconds + 600,
  source: CHAINLINK,
});

/**
 * The networks Kassa knows (DESIGN.md "Go live"; docs/networks.md). Addresses are the
 * issuers' own (Circle for USDC, Tether for USDT, Sky's chainlog for DAI, Binance for its
 * pegged tokens on BNB Smart Chain, Chainlink for price feeds); every app checks each token's
 * decimals and symbol against the chain before it serves.
 */
export const NETWORK_PRESETS: Record<NetworkName, NetworkPreset> = {
  ethereum: {
    name: 'ethereum',
    chain: chain(1, 'Ethereum', 'ETH', 'https://etherscan.io'),
    blockTimeMs: 12_000,
    confirmations: 12,
    finality: 'Proof of stake: a block is finalized after two epochs (about 13 minutes); reorgs deeper than a few blocks have not happened since the Merge',
    finalizedTag: true,
    tokens: [
      usd('USDC', '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 6, CIRCLE),
      usd('USDT', '0xdAC17F958D2ee523a2206206994597C13D831ec7', 6, TETHER),
      usd('DAI', '0x6B175474E89094C44Da98b954EedeAC495271d0F', 18, SKY_CHAINLOG),
    ],
    nativeFeed: feed('ETH', '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419', 3_600),
    testnet: false,
  },
  base: {
    name: 'base',
    chain: chain(8453, 'Base', 'ETH', 'https://basescan.org'),
    blockTimeMs: 2_000,
    confirmations: 20,
    finality: 'OP Stack rollup: the sequencer orders blocks at once; a block is final when its batch is finalized on Ethereum (about 20 minutes)',
    finalizedTag: true,
    tokens: [usd('USDC', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 6, CIRCLE)],
    nativeFeed: feed('ETH', '0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70', 1_200),
    testnet: false,
  },
  arbitrum: {
    name: 'arbitrum',
    chain: chain(42161, 'Arbitrum One', 'ETH', 'https://arbiscan.io'),
    blockTimeMs: 250,
    confirmations: 20,
    finality: 'Arbitrum rollup: the sequencer orders blocks at once; a block is final when its batch is finalized on Ethereum',
    finalizedTag: true,
    tokens: [
      usd('USDC', '0xaf88d065e77c8cC2239327C5EDb3A432268e5831', 6, CIRCLE),
      // Tether's USDT on Arbitrum One is the USDT0 token: its contract's symbol() is "USD₮0".
      usd('USDT', '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9', 6, TETHER, 'USD₮0'),
    ],
    nativeFeed: feed('ETH', '0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612', 86_400),
    testnet: false,
  },
  optimism: {
    name: 'optimism',
    chain: chain(10, 'OP Mainnet', 'ETH', 'https://optimistic.etherscan.io'),
    blockTimeMs: 2_000,
    confirmations: 20,
    finality: 'OP Stack rollup: the sequencer orders blocks at once; a block is final when its batch is finalized on Ethereum (about 20 minutes)',
    finalizedTag: true,
    tokens: [usd('USDC', '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85', 6, CIRCLE)],
    nativeFeed: feed('ETH', '0x13e3Ee699D1909E989722E753853AE30b17e08c5', 1_200),
    testnet: false,
  },
  polygon: {
    name: 'polygon',
    chain: chain(137, 'Polygon PoS', 'POL', 'https://polygonscan.com'),
    blockTimeMs: 2_000,
    confirmations: 128,
    finality: 'Polygon PoS: blocks are checkpointed to Ethereum; the chain has had reorgs of dozens of blocks, so Kassa waits 128 (about 4 minutes)',
    finalizedTag: true,
    tokens: [
      usd('USDC', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', 6, CIRCLE),
      usd('USDT', '0xc2132D05D31c914a87C6611C10748AEb04B58e8F', 6, TETHER),
    ],
    nativeFeed: feed('POL', '0xAB594600376Ec9fD91F8e885dADF0CE036862dE0', 27),
    testnet: false,
  },
  bsc: {
    name: 'bsc',
    chain: chain(56, 'BNB Smart Chain', 'BNB', 'https://bscscan.com'),
    blockTimeMs: 750,
    confirmations: 20,
    finality: 'BNB Smart Chain (Parlia with fast finality): a block is finalized by validator votes within a few blocks',
    finalizedTag: true,
    tokens: [
      // Binance-pegged tokens: 18 decimals on this chain, unlike USDC and USDT elsewhere.
      usd('USDC', '0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d', 18, `${BINANCE_PEG}0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d`),
      usd('USDT', '0x55d398326f99059fF775485246999027B3197955', 18, `${BINANCE_PEG}0x55d398326f99059fF775485246999027B3197955`),
    ],
    nativeFeed: feed('BNB', '0x0567F2323251f0Aab15c8dFb1967E4e8A7D42aeE', 60),
    testnet: false,
  },
  avalanche: {
    name: 'avalanche',
    chain: chain(43114, 'Avalanche C-Chain', 'AVAX', 'https://snowtrace.io'),
    blockTimeMs: 1_700,
    confirmations: 3,
    finality: 'Avalanche C-Chain (Snowman consensus): an accepted block is final, no reorgs; three blocks guard against a node that lags behind',
    finalizedTag: true,
    tokens: [
      usd('USDC', '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 6, CIRCLE),
      usd('USDT', '0x9702230A8Ea53601f5cD2dc00fDBc13d4dF4A8c7', 6, TETHER),
    ],
    nativeFeed: feed('AVAX', '0x0A77230d17318075983913bC2145DB16C7366156', 86_400),
    testnet: false,
  },
  sepolia: {
    name: 'sepolia',
    chain: chain(11155111, 'Sepolia', 'ETH', 'https://sepolia.etherscan.io'),
    blockTimeMs: 12_000,
    confirmations: 3,
    finality: 'Ethereum testnet with the same consensus as mainnet; rehearsal only',
    finalizedTag: true,
    tokens: [usd('USDC', '0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238', 6, CIRCLE)],
    nativeFeed: feed('ETH', '0x694AA1769357215DE4FAC081bf1f309aDC325306', 3_600),
    testnet: true,
  },
  'base-sepolia': {
    name: 'base-sepolia',
    chain: chain(84532, 'Base Sepolia', 'ETH', 'https://sepolia.basescan.org'),
    blockTimeMs: 2_000,
    confirmations: 3,
    finality: 'Base testnet (OP Stack); rehearsal only',
    finalizedTag: true,
    tokens: [usd('USDC', '0x036CbD53842c5426634e7929541eC2318f3dCF7e', 6, CIRCLE)],
    nativeFeed: feed('ETH', '0x4aDC67696bA383F43DD60A9e78F2C97Fbbfc7cb1', 1_200),
    testnet: true,
  },
};

/** The environment variable with a network's RPC URLs (comma-separated): `KASSA_RPC_URL_BASE_SEPOLIA`. */
export const rpcUrlVariable = (name: NetworkName): string => `KASSA_RPC_URL_${name.toUpperCase().replace(/-/g, '_')}`;
/** The environment variable with a network's WebSocket URL: `KASSA_WS_URL_BASE`. */
export const wsUrlVariable = (name: NetworkName): string => `KASSA_WS_URL_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * The chain configuration of a known network (before validation): its preset with the RPC
 * URLs given, Kassa's factory, polling paced by the block time.
 */
export function presetChainConfig(preset: NetworkPreset, rpcUrls: string[], wsUrl: string | undefined): Record<string, unknown> {
  return {
    chainId: preset.chain.id,
    name: preset.chain.name,
    rpcUrls,
    ...(wsUrl ? { wsUrl } : {}),
    confirmations: preset.confirmations,
    // At least the confirmations, and never fewer than 64 blocks kept for reorg detection.
    finalityDepth: Math.max(64, preset.confirmations * 2),
    finalizedTag: preset.finalizedTag,
    pollIntervalMs: Math.max(250, Math.min(preset.blockTimeMs, 4_000)),
    nativeCurrency: { symbol: preset.chain.nativeCurrency.symbol, decimals: preset.chain.nativeCurrency.decimals },
    explorerUrl: preset.chain.explorer,
    factoryAddress: KASSA_FACTORY_ADDRESS,
    implementationAddress: KASSA_IMPLEMENTATION_ADDRESS,
    tokens: preset.tokens.map(({ source: _source, ...token }) => token),
    priceFeeds: preset.nativeFeed ? [(({ source: _source, ...rest }) => rest)(preset.nativeFeed)] : [],
  };
}
