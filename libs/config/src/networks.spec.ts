import { getAddress } from 'viem';

import { ConfigError, loadConfig } from './config';
import { KASSA_FACTORY_ADDRESS, KASSA_IMPLEMENTATION_ADDRESS, NETWORK_NAMES, NETWORK_PRESETS } from './networks';

describe('network presets', () => {
  it('every address is EIP-55 checksummed, every chain id once, every feed prices the native coin', () => {
    const ids = NETWORK_NAMES.map((name) => NETWORK_PRESETS[name].chain.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const name of NETWORK_NAMES) {
      const preset = NETWORK_PRESETS[name];
      for (const token of preset.tokens) expect({ name, token: token.address }).toEqual({ name, token: getAddress(token.address) });
      if (preset.nativeFeed) {
        expect(preset.nativeFeed.address).toBe(getAddress(preset.nativeFeed.address));
        expect(preset.nativeFeed.currency).toBe(preset.chain.nativeCurrency.symbol);
      }
    }
  });

  it('on BNB Smart Chain USDC and USDT have 18 decimals; elsewhere 6', () => {
    for (const name of NETWORK_NAMES) {
      for (const token of NETWORK_PRESETS[name].tokens.filter((candidate) => candidate.symbol !== 'DAI')) {
        expect({ name, symbol: token.symbol, decimals: token.decimals }).toEqual({ name, symbol: token.symbol, decimals: name === 'bsc' ? 18 : 6 });
      }
    }
  });

  it('configures networks by name with their RPC URLs, Kassa\'s factory and the preset\'s coins', () => {
    const config = loadConfig({
      KASSA_NETWORKS: 'base, polygon',
      KASSA_RPC_URL_BASE: 'https://base.example/rpc,https://base-backup.example/rpc',
      KASSA_WS_URL_BASE: 'wss://base.example/ws',
      KASSA_RPC_URL_POLYGON: 'https://polygon.example/rpc',
    });

    expect(config.chains.map((chain) => [chain.chainId, chain.name, chain.confirmations])).toEqual([
      [8453, 'Base', 20],
      [137, 'Polygon PoS', 128],
    ]);
    expect(config.chains[0]).toMatchObject({
      rpcUrls: ['https://base.example/rpc', 'https://base-backup.example/rpc'],
      wsUrl: 'wss://base.example/ws',
      factoryAddress: KASSA_FACTORY_ADDRESS,
      implementationAddress: KASSA_IMPLEMENTATION_ADDRESS,
      nativeCurrency: { symbol: 'ETH', decimals: 18 },
      tokens: [{ symbol: 'USDC', address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', decimals: 6, peggedTo: 'USD' }],
      priceFeeds: [{ currency: 'ETH', pricingCurrency: 'USD', address: '0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70' }],
    });
    expect(config.chains[1]!.nativeCurrency).toEqual({ symbol: 'POL', decimals: 18 });
  });

  it('lets a KASSA_CHAINS entry with the same chain id override a preset field by field, and adds custom chains after', () => {
    const custom = { chainId: 31337, name: 'Local', rpcUrls: ['http://127.0.0.1:8545'], confirmations: 1, factoryAddress: KASSA_FACTORY_ADDRESS, implementationAddress: KASSA_IMPLEMENTATION_ADDRESS };
    const config = loadConfig({
      KASSA_NETWORKS: 'base',
      KASSA_RPC_URL_BASE: 'https://base.example/rpc',
      KASSA_CHAINS: JSON.stringify([{ chainId: 8453, confirmations: 40, name: 'Base mainnet' }, custom]),
    });

    expect(config.chains.map((chain) => [chain.chainId, chain.name, chain.confirmations, chain.rpcUrls])).toEqual([
      [8453, 'Base mainnet', 40, ['https://base.example/rpc']],
      [31337, 'Local', 1, ['http://127.0.0.1:8545']],
    ]);
    expect(config.chains[0]!.tokens).toHaveLength(1);
  });

  it('names an unknown network and a named network without RPC URLs', () => {
    expect(() => loadConfig({ KASSA_NETWORKS: 'base,solana' })).toThrow(/KASSA_NETWORKS: unknown network\(s\) solana; known: ethereum, base/);
    const failure = (() => {
      try {
        loadConfig({ KASSA_NETWORKS: 'arbitrum' });
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual(['KASSA_RPC_URL_ARBITRUM: required for network arbitrum in KASSA_NETWORKS']);
  });
});
