import type { ChainConfig } from '@kassa/config';

import { ChainVerificationError } from '../errors';
import { type LocalChain, startLocalChain } from '../local/local-chain';
import { assertChainsAsConfigured, verifyChain } from './verify-chain';

describe('verifying a chain against its configuration', () => {
  let chain: LocalChain;
  beforeAll(async () => {
    chain = await startLocalChain({ chainId: 8453 });
  });
  afterAll(async () => {
    await chain?.stop();
  });
  const withTokens = (config: ChainConfig, change: (tokens: ChainConfig['tokens']) => ChainConfig['tokens']): ChainConfig => ({
    ...config,
    tokens: change(config.tokens.map((token) => ({ ...token }))),
  });

  it('finds nothing wrong with the configuration of the chain it was deployed to', async () => {
    expect(await verifyChain(chain.config)).toEqual({ chainId: 8453, name: chain.config.name, reachable: true, mismatches: [] });
  });

  it('names a node that serves another chain id, and checks nothing else on it', async () => {
    const result = await verifyChain({ ...chain.config, chainId: 10, tokens: [] });

    expect(result.mismatches).toEqual([{ chainId: 10, field: 'chainId', expected: '10', found: '8453' }]);
  });

  it('names a token whose decimals or symbol differ, and an address that is no token', async () => {
    const config = withTokens(chain.config, (tokens) => {
      tokens[0]!.decimals = 18; // USDC has 6
      tokens[1]!.symbol = 'DAI.e'; // the contract says DAI
      tokens[2]!.address = '0x000000000000000000000000000000000000dEaD';
      return tokens;
    });

    const { mismatches } = await verifyChain(config);

    expect(mismatches).toEqual(
      expect.arrayContaining([
        { chainId: 8453, field: 'tokens[0].decimals', expected: `USDC at ${chain.contracts.tokens.USDC} with 18 decimals`, found: '6' },
        { chainId: 8453, field: 'tokens[1].symbol', expected: 'DAI.e', found: 'DAI' },
        expect.objectContaining({ field: 'tokens[2].address', expected: 'an ERC-20 token (USDT) at 0x000000000000000000000000000000000000dEaD' }),
      ]),
    );
    expect(mismatches).toHaveLength(3);
  });

  it('takes contractSymbol where the contract names the token otherwise than the ticker', async () => {
    const config = withTokens(chain.config, (tokens) => [{ ...tokens[0]!, symbol: 'USDC.e', contractSymbol: 'USDC' }]);

    expect((await verifyChain(config)).mismatches).toEqual([]);
  });

  it('names a factory or implementation address without Kassa\'s code', async () => {
    const config = { ...chain.config, factoryAddress: chain.contracts.tokens.USDC, implementationAddress: '0x1111111111111111111111111111111111111111' as const, tokens: [] };

    const { mismatches } = await verifyChain(config);

    expect(mismatches.map((m) => [m.field, m.found.replace(/0x[0-9a-f]{64}/, 'HASH')])).toEqual([
      ['factoryAddress', 'other code (hash HASH)'],
      ['implementationAddress', 'no code'],
    ]);
  });

  it('reports a node that does not answer as unreachable, without mismatches', async () => {
    const result = await verifyChain({ ...chain.config, rpcUrls: ['http://127.0.0.1:9'] });

    expect(result).toMatchObject({ reachable: false, mismatches: [] });
    expect(result.error).toBeTruthy();
  });

  it('leaves a node that serves another chain than the one followed to the watcher: replaced, nothing else checked', async () => {
    const followed = { genesisHash: `0x${'ab'.repeat(32)}` as const, cursor: null };
    const atCursor = { genesisHash: null, cursor: { blockNumber: 1n, blockHash: `0x${'cd'.repeat(32)}` as const } };
    const broken = { ...chain.config, factoryAddress: '0x1111111111111111111111111111111111111111' as const };

    expect(await verifyChain(broken, followed)).toMatchObject({ reachable: true, mismatches: [], replaced: expect.stringContaining(`the recorded one ${followed.genesisHash}`) as unknown });
    expect(await verifyChain(broken, atCursor)).toMatchObject({ mismatches: [], replaced: expect.stringContaining(`the watcher's ${atCursor.cursor.blockHash}`) as unknown });
    const genesis = await chain.publicClient.getBlock({ blockNumber: 0n });
    expect((await verifyChain(broken, { genesisHash: genesis.hash, cursor: null })).mismatches).toEqual([expect.objectContaining({ field: 'factoryAddress' })]);
  });

  it('refuses the configuration with every mismatch, naming chain, field, expected and found', async () => {
    const wrong = withTokens(chain.config, (tokens) => {
      tokens[0]!.decimals = 8;
      return tokens;
    });

    const failure = await assertChainsAsConfigured([wrong]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ChainVerificationError);
    expect((failure as Error).message).toBe(
      `The chains do not match the configuration:\n  - chain 8453 (${chain.config.name}): tokens[0].decimals: expected USDC at ${chain.contracts.tokens.USDC} with 8 decimals, found 6`,
    );
    expect(await assertChainsAsConfigured([chain.config, { ...chain.config, chainId: 1, rpcUrls: ['http://127.0.0.1:9'] }])).toEqual([
      expect.objectContaining({ chainId: 1, reachable: false }),
    ]);
  });
});
