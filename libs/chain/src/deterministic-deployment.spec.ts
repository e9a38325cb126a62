import { createPublicClient, createWalletClient, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { depositFactoryAbi } from './contracts/abis';
import { depositAddress } from './deposit-address';
import {
  deployFactory,
  DETERMINISTIC_DEPLOYMENT_PROXY,
  DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL,
  deterministicFactory,
  planFactoryDeployment,
} from './deterministic-deployment';
import { ContractDeploymentError } from './errors';
import { HARDHAT_ACCOUNTS } from './local/accounts';
import { type HardhatNode, startHardhatNode } from './local/hardhat-node';

/** A bare node (no contracts) with clients for one of its accounts. */
async function bareChain(chainId: number) {
  const node = await startHardhatNode({ chainId });
  const transport = http(node.rpcUrl, { retryCount: 0 });
  const client = createPublicClient({ chain: node.chain, transport, cacheTime: 0, pollingInterval: 50 }) as PublicClient;
  const wallet = (index: number) => createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNTS[index]!.privateKey), chain: node.chain, transport });
  return { node, client, wallet };
}

describe('deterministic deployment of the DepositFactory', () => {
  const nodes: HardhatNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });
  const expected = deterministicFactory();

  it('puts factory and implementation at the same addresses on chains with different deployer histories', async () => {
    const [a, b] = await Promise.all([bareChain(8453), bareChain(137)]);
    nodes.push(a.node, b.node);
    // Chain B: another deployer account, after three transactions of its own.
    const deployerB = b.wallet(4);
    for (let i = 0; i < 3; i++) {
      await b.client.waitForTransactionReceipt({ hash: await deployerB.sendTransaction({ to: deployerB.account.address, value: 0n }) });
    }

    const [onA, onB] = await Promise.all([deployFactory(a.wallet(0), a.client), deployFactory(deployerB, b.client)]);

    for (const [{ plan }, { client }] of [[onA, a], [onB, b]] as const) {
      expect(plan).toMatchObject({ state: 'to-deploy', proxyInstalled: false, factory: expected.factory, implementation: expected.implementation });
      expect(plan.steps.map((step) => step.what)).toEqual(['fund the proxy signer', 'install the deployment proxy', 'deploy the DepositFactory']);
      expect(await client.getCode({ address: DETERMINISTIC_DEPLOYMENT_PROXY })).not.toBe('0x');
      expect(await client.readContract({ address: expected.factory, abi: depositFactoryAbi, functionName: 'implementation' })).toBe(expected.implementation);
      expect((await client.getCode({ address: expected.factory }))?.toLowerCase()).toBe(expected.factoryCode);
      expect((await client.getCode({ address: expected.implementation }))?.toLowerCase()).toBe(expected.implementationCode);
    }
    // So a payment's deposit address is one address on both chains: what the factory computes on each.
    const treasury = HARDHAT_ACCOUNTS[9]!.address;
    const salt = `0x${'ab'.repeat(32)}` as const;
    const offline = depositAddress({ factory: expected.factory, implementation: expected.implementation, treasury, salt });
    for (const { client } of [a, b]) {
      expect(await client.readContract({ address: expected.factory, abi: depositFactoryAbi, functionName: 'depositAddress', args: [treasury, salt] })).toBe(offline);
    }

    // Run again: it finds Kassa's code there and sends nothing.
    const nonce = await a.client.getTransactionCount({ address: a.wallet(0).account.address });
    const again = await deployFactory(a.wallet(0), a.client);
    expect(again).toEqual({ plan: expect.objectContaining({ state: 'deployed', steps: [], cost: 0n }), hashes: [] });
    expect(await a.client.getTransactionCount({ address: a.wallet(0).account.address })).toBe(nonce);
  });

  it('plans without sending: the signer funding, the proxy install and the factory, with their cost', async () => {
    const chain = await bareChain(10);
    nodes.push(chain.node);
    const deployer = chain.wallet(0).account.address;

    const plan = await planFactoryDeployment(chain.client, deployer);

    const install = DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL;
    expect(plan.steps[0]).toMatchObject({ what: 'fund the proxy signer', from: deployer, value: install.gasPrice * install.gasLimit });
    expect(plan.steps[1]).toMatchObject({ what: 'install the deployment proxy', from: install.signer, gas: install.gasLimit, gasPrice: install.gasPrice });
    // Hardhat takes no state override, so the factory's gas is estimated once the proxy is there.
    expect(plan.steps[2]).toMatchObject({ what: 'deploy the DepositFactory', from: deployer, gas: null });
    expect(plan.cost).toBe(21_000n * plan.steps[0]!.gasPrice + install.gasPrice * install.gasLimit);
    expect(await chain.client.getTransactionCount({ address: deployer })).toBe(0);
    expect(await chain.client.getCode({ address: DETERMINISTIC_DEPLOYMENT_PROXY })).toBeUndefined();

    // With the proxy installed, the factory's gas is the node's estimate (plus headroom).
    const other = await bareChain(11);
    nodes.push(other.node);
    await other.client.waitForTransactionReceipt({ hash: await other.wallet(0).sendTransaction({ to: install.signer, value: install.gasPrice * install.gasLimit }) });
    await other.client.waitForTransactionReceipt({ hash: await other.client.request({ method: 'eth_sendRawTransaction', params: [install.rawTransaction] }) });
    const withProxy = await planFactoryDeployment(other.client, deployer);
    expect(withProxy.proxyInstalled).toBe(true);
    expect(withProxy.steps).toEqual([expect.objectContaining({ what: 'deploy the DepositFactory', gas: expect.any(BigInt) as unknown })]);
    expect(withProxy.steps[0]!.gas!).toBeGreaterThan(500_000n);
  });

  it('refuses a chain where the factory address holds other code', async () => {
    const chain = await bareChain(56);
    nodes.push(chain.node);
    await chain.client.request({ method: 'hardhat_setCode' as never, params: [expected.factory, '0x6000'] as never });

    const failure = await planFactoryDeployment(chain.client, chain.wallet(0).account.address).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ContractDeploymentError);
    expect((failure as Error).message).toContain(`Chain 56: ${expected.factory} should hold Kassa's DepositFactory, but holds other code`);
  });
});
