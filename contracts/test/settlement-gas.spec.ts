import { readFileSync } from 'node:fs';
import path from 'node:path';

import { erc20Abi, parseEther, parseUnits, zeroAddress, type Address, type Hash, type Hex } from 'viem';
import { depositAddress, depositFactoryAbi, HARDHAT_ACCOUNTS, type KassaTestChain, loadContractArtifact, mintTestTokens, paymentSalt, startKassaTestChain } from '@kassa/chain';

/**
 * What settlement costs the gas payer, measured on the local chain (Hardhat, evm target paris
 * bytecode, optimizer 200 runs). The figures are quoted in docs/settlement.md; each is asserted
 * within 1 % so a contract change that moves them shows up here. The treasury already holds
 * the token (a storage slot going from zero to non-zero would add 17,100 gas, EIP-2200).
 */
describe('Settlement gas figures (docs/settlement.md)', () => {
  let chain: KassaTestChain;
  const treasury = HARDHAT_ACCOUNTS[5]!.address;
  const customer = HARDHAT_ACCOUNTS[1]!.address;

  beforeAll(async () => {
    chain = await startKassaTestChain();
    const { USDC } = chain.contracts.tokens;
    await mintTestTokens(chain.deployer, chain.publicClient, [
      { token: USDC, to: customer, amount: parseUnits('100000', 6) },
      { token: USDC, to: treasury, amount: 1n },
    ]);
  });

  afterAll(async () => {
    await chain?.stop();
  });

  async function gasOf(hash: Hash): Promise<bigint> {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt.gasUsed;
  }

  const addressFor = (salt: Hex): Address =>
    depositAddress({ factory: chain.contracts.factory, implementation: chain.contracts.implementation, treasury, salt });

  async function payUsdc(salt: Hex): Promise<void> {
    await gasOf(
      await chain.wallet(1).writeContract({
        address: chain.contracts.tokens.USDC,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [addressFor(salt), parseUnits('25', 6)],
      }),
    );
  }

  const flush = (salt: Hex, tokens: Address[]) =>
    chain.wallet(8).writeContract({ address: chain.contracts.factory, abi: depositFactoryAbi, functionName: 'flush', args: [treasury, salt, tokens] });

  const flushMany = (salts: Hex[], tokens: Address[]) =>
    chain.wallet(8).writeContract({
      address: chain.contracts.factory,
      abi: depositFactoryAbi,
      functionName: 'flushMany',
      args: [salts.map((salt) => ({ treasury, salt, tokens }))],
    });

  /** The figures docs/settlement.md quotes, in gas. */
  const DOCUMENTED = {
    factoryDeploy: 711_976n,
    deployFlushErc20: 110_286n,
    deployFlushNative: 107_661n,
    flushDeployedErc20: 45_803n,
    flushMany1: 111_346n,
    flushMany10: 828_879n,
    flushMany50: 4_017_921n,
  } as const;

  it('are the figures docs/settlement.md quotes', () => {
    const docs = readFileSync(path.join(__dirname, '../../docs/settlement.md'), 'utf8');
    for (const gas of Object.values(DOCUMENTED)) expect(docs).toContain(`| ${gas.toLocaleString('en-US')} |`);
  });

  /** Asserts a measured figure is within 1 % of the documented one, naming both on failure. */
  function expectDocumented(name: keyof typeof DOCUMENTED, gas: bigint): void {
    const documented = DOCUMENTED[name];
    const deviation = Number(((gas - documented) * 10_000n) / documented) / 100;
    expect({ name, gas, withinOnePercent: Math.abs(deviation) <= 1 }).toEqual({ name, gas, withinOnePercent: true });
  }

  it('factory deployment (once per chain)', async () => {
    const { abi, bytecode } = loadContractArtifact('DepositFactory');
    expectDocumented('factoryDeploy', await gasOf(await chain.wallet(8).deployContract({ abi, bytecode })));
  });

  it('deploy + flush of one ERC-20 payment', async () => {
    const salt = paymentSalt('pay_gas_erc20');
    await payUsdc(salt);
    expectDocumented('deployFlushErc20', await gasOf(await flush(salt, [chain.contracts.tokens.USDC])));
  });

  it('deploy + flush of one native-coin payment', async () => {
    const salt = paymentSalt('pay_gas_native');
    await gasOf(await chain.wallet(1).sendTransaction({ to: addressFor(salt), value: parseEther('1') }));
    expectDocumented('deployFlushNative', await gasOf(await flush(salt, [zeroAddress])));
  });

  it('flush of an already deployed address (a late payment)', async () => {
    const salt = paymentSalt('pay_gas_late');
    await payUsdc(salt);
    await gasOf(await flush(salt, [chain.contracts.tokens.USDC]));
    await payUsdc(salt);
    expectDocumented('flushDeployedErc20', await gasOf(await flush(salt, [chain.contracts.tokens.USDC])));
  });

  it.each([1, 10, 50] as const)('flushMany of %i ERC-20 payments: cheaper per payment as the batch grows', async (count) => {
    const salts = Array.from({ length: count }, (_, i) => paymentSalt(`pay_gas_batch_${count}_${i}`));
    for (const salt of salts) await payUsdc(salt);
    const gas = await gasOf(await flushMany(salts, [chain.contracts.tokens.USDC]));
    expectDocumented(`flushMany${count}`, gas);
    if (count > 1) expect(gas / BigInt(count)).toBeLessThan(DOCUMENTED.deployFlushErc20);
  });
});
