import { createPublicClient, createWalletClient, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { deployArtifact, deployFactory, deterministicFactory, HARDHAT_ACCOUNTS, type HardhatNode, startHardhatNode, verifyChain } from '@kassa/chain';
import { KASSA_FACTORY_ADDRESS, KASSA_IMPLEMENTATION_ADDRESS, loadConfig } from '@kassa/config';
import { placeContractAt } from '@kassa/testing';

/**
 * A stand-in for Base: a Hardhat node with Base's chain id, Kassa's factory deployed the way
 * it is deployed on the real network, and a USDC contract placed at Circle's USDC address on
 * Base (`hardhat_setCode` plus the contract's storage). Configured by name
 * (`KASSA_NETWORKS=base`), the chain passes the start-up verification; the preset's factory
 * addresses are the ones the deterministic deployment produces.
 */
describe('a network configured by name, against a chain standing in for it', () => {
  let node: HardhatNode;
  let client: PublicClient;

  beforeAll(async () => {
    node = await startHardhatNode({ chainId: 8453 });
    const transport = http(node.rpcUrl, { retryCount: 0 });
    client = createPublicClient({ chain: node.chain, transport, cacheTime: 0 }) as PublicClient;
    const deployer = createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNTS[0]!.privateKey), chain: node.chain, transport });
    await deployFactory(deployer, client);
    // Circle's USDC on Base, stood in for by the test USDC (6 decimals, symbol USDC): its code and storage.
    const usdc = await deployArtifact(deployer, client, 'TestUSDC');
    await placeContractAt(client, usdc, '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913');
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('the presets name the factory and implementation the deterministic deployment creates', () => {
    expect({ factory: KASSA_FACTORY_ADDRESS, implementation: KASSA_IMPLEMENTATION_ADDRESS }).toEqual({
      factory: deterministicFactory().factory,
      implementation: deterministicFactory().implementation,
    });
  });

  it('KASSA_NETWORKS=base verifies against the chain: chain id, USDC decimals and symbol, the factory\'s code', async () => {
    const [base] = loadConfig({ KASSA_NETWORKS: 'base', KASSA_RPC_URL_BASE: node.rpcUrl }).chains;

    expect(await verifyChain(base!)).toEqual({ chainId: 8453, name: 'Base', reachable: true, mismatches: [] });
  });

  it('names what differs when the preset is pointed at another chain', async () => {
    const [arbitrum] = loadConfig({ KASSA_NETWORKS: 'arbitrum', KASSA_RPC_URL_ARBITRUM: node.rpcUrl }).chains;

    expect((await verifyChain(arbitrum!)).mismatches).toEqual([{ chainId: 42161, field: 'chainId', expected: '42161', found: '8453' }]);
  });
});
