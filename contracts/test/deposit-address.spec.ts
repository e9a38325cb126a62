import { getAddress, parseEventLogs, zeroAddress, type Address } from 'viem';
import { cloneRuntimeCode, depositAddress, depositFactoryAbi, depositForwarderAbi, HARDHAT_ACCOUNTS, type KassaTestChain, paymentSalt, startKassaTestChain } from '@kassa/chain';

/**
 * A payment's deposit address is known before anything is deployed: computed off-chain by the
 * API, it must be the address the factory reports and the one the clone lands on, and it must
 * commit to the merchant's treasury.
 */
describe('Deposit addresses (DepositFactory + DepositForwarder clones)', () => {
  let chain: KassaTestChain;
  const treasury = HARDHAT_ACCOUNTS[5]!.address;
  const otherTreasury = HARDHAT_ACCOUNTS[6]!.address;

  beforeAll(async () => {
    chain = await startKassaTestChain();
  });

  afterAll(async () => {
    await chain?.stop();
  });

  function onChainAddress(forTreasury: Address, salt: `0x${string}`): Promise<Address> {
    return chain.publicClient.readContract({
      address: chain.contracts.factory,
      abi: depositFactoryAbi,
      functionName: 'depositAddress',
      args: [forTreasury, salt],
    });
  }

  async function deploy(forTreasury: Address, salt: `0x${string}`) {
    const hash = await chain.deployer.writeContract({
      address: chain.contracts.factory,
      abi: depositFactoryAbi,
      functionName: 'deploy',
      args: [forTreasury, salt],
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  }

  it('off-chain prediction = factory.depositAddress = the deployed clone, bound to the treasury', async () => {
    const { factory, implementation } = chain.contracts;
    const salt = paymentSalt('pay_01JD0000000000000000000001');

    const predicted = depositAddress({ factory, implementation, treasury, salt });
    expect(predicted).toBe(getAddress(predicted)); // checksummed
    expect(await onChainAddress(treasury, salt)).toBe(predicted);
    expect(await chain.publicClient.getCode({ address: predicted })).toBeUndefined();

    const receipt = await deploy(treasury, salt);

    const [deployed] = parseEventLogs({ abi: depositFactoryAbi, eventName: 'ForwarderDeployed', logs: receipt.logs });
    expect(deployed?.args).toEqual({ treasury, salt, forwarder: predicted });
    expect(await chain.publicClient.getCode({ address: predicted })).toBe(cloneRuntimeCode(implementation));
    const boundTreasury = await chain.publicClient.readContract({
      address: predicted,
      abi: depositForwarderAbi,
      functionName: 'treasury',
    });
    expect(boundTreasury).toBe(treasury);
  });

  it('accepts addresses in any letter case off-chain', async () => {
    const { factory, implementation } = chain.contracts;
    const salt = paymentSalt('pay_case');
    const lower = depositAddress({
      factory: factory.toLowerCase() as Address,
      implementation: implementation.toLowerCase() as Address,
      treasury: treasury.toLowerCase() as Address,
      salt,
    });
    expect(lower).toBe(await onChainAddress(treasury, salt));
  });

  it('deploy is idempotent: a second call keeps the clone and emits nothing', async () => {
    const salt = paymentSalt('pay_idempotent');
    await deploy(treasury, salt);
    const again = await deploy(treasury, salt);
    expect(parseEventLogs({ abi: depositFactoryAbi, logs: again.logs })).toHaveLength(0);
    expect(await chain.publicClient.getCode({ address: await onChainAddress(treasury, salt) })).toBe(
      cloneRuntimeCode(chain.contracts.implementation),
    );
  });

  it('the same payment salt under another treasury gives another address', async () => {
    const { factory, implementation } = chain.contracts;
    const salt = paymentSalt('pay_shared_salt');
    const mine = depositAddress({ factory, implementation, treasury, salt });
    const theirs = depositAddress({ factory, implementation, treasury: otherTreasury, salt });
    expect(theirs).not.toBe(mine);
    expect(await onChainAddress(otherTreasury, salt)).toBe(theirs);
  });

  it('different payments get different addresses', () => {
    const { factory, implementation } = chain.contracts;
    const a = depositAddress({ factory, implementation, treasury, salt: paymentSalt('pay_a') });
    const b = depositAddress({ factory, implementation, treasury, salt: paymentSalt('pay_b') });
    expect(a).not.toBe(b);
  });

  it('the implementation can never be initialized (so it holds no treasury)', async () => {
    const { implementation } = chain.contracts;
    await expect(
      chain.publicClient.simulateContract({
        account: chain.wallet(3).account,
        address: implementation,
        abi: depositForwarderAbi,
        functionName: 'initialize',
        args: [HARDHAT_ACCOUNTS[3]!.address],
      }),
    ).rejects.toThrow('ImplementationLocked');
    expect(
      await chain.publicClient.readContract({ address: implementation, abi: depositForwarderAbi, functionName: 'treasury' }),
    ).toBe(zeroAddress);
    await expect(
      chain.publicClient.simulateContract({
        account: chain.wallet(3).account,
        address: implementation,
        abi: depositForwarderAbi,
        functionName: 'flush',
        args: [zeroAddress],
      }),
    ).rejects.toThrow('NotInitialized');
  });

  it('a deployed clone cannot be re-initialized to another treasury', async () => {
    const salt = paymentSalt('pay_reinit');
    await deploy(treasury, salt);
    const forwarder = await onChainAddress(treasury, salt);
    const attacker = chain.wallet(3);
    await expect(
      chain.publicClient.simulateContract({
        account: attacker.account,
        address: forwarder,
        abi: depositForwarderAbi,
        functionName: 'initialize',
        args: [attacker.account.address],
      }),
    ).rejects.toThrow('AlreadyInitialized');
    expect(
      await chain.publicClient.readContract({ address: forwarder, abi: depositForwarderAbi, functionName: 'treasury' }),
    ).toBe(treasury);
  });

  it('refuses the zero treasury', async () => {
    await expect(
      chain.publicClient.simulateContract({
        account: chain.deployer.account,
        address: chain.contracts.factory,
        abi: depositFactoryAbi,
        functionName: 'deploy',
        args: [zeroAddress, paymentSalt('pay_zero')],
      }),
    ).rejects.toThrow('ZeroTreasury');
  });
});
