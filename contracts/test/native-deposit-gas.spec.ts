import { parseEther, type Address, type Hash } from 'viem';
import { deployArtifact, depositAddress, depositFactoryAbi, HARDHAT_ACCOUNTS, type KassaTestChain, paymentSalt, startKassaTestChain } from '@kassa/chain';

/**
 * What a customer's plain native-coin payment to a deposit address costs, before and after the
 * clone is deployed (settlement deploys it). Any code run on receipt costs gas beyond the
 * 21,000 intrinsic gas of a transfer (Yellow Paper G_transaction), and an EIP-1167
 * clone must DELEGATECALL its implementation, 2,600 gas when cold (EIP-2929).
 * Settlement-time figures here are quoted in DepositForwarder.sol; keep them in step.
 */
describe('Plain native payments to a deposit address', () => {
  let chain: KassaTestChain;
  let stipendSender: Address;
  const treasury = HARDHAT_ACCOUNTS[5]!.address;
  const value = parseEther('0.01');

  beforeAll(async () => {
    chain = await startKassaTestChain();
    stipendSender = await deployArtifact(chain.deployer, chain.publicClient, 'StipendSender');
  });

  afterAll(async () => {
    await chain?.stop();
  });

  async function receiptOf(hash: Hash) {
    return chain.publicClient.waitForTransactionReceipt({ hash });
  }

  async function deployed(salt: Hash): Promise<Address> {
    const { factory, implementation } = chain.contracts;
    const hash = await chain.deployer.writeContract({
      address: factory,
      abi: depositFactoryAbi,
      functionName: 'deploy',
      args: [treasury, salt],
    });
    expect((await receiptOf(hash)).status).toBe('success');
    return depositAddress({ factory, implementation, treasury, salt });
  }

  /** A contract wallet paying with Solidity `transfer` (2,300 gas stipend to the recipient). */
  function payViaTransferStipend(to: Address) {
    return chain.wallet(1).writeContract({
      address: stipendSender,
      abi: [
        {
          type: 'function',
          name: 'pay',
          stateMutability: 'payable',
          inputs: [{ name: 'to', type: 'address' }],
          outputs: [],
        },
      ],
      functionName: 'pay',
      args: [to],
      value,
      gas: 100_000n,
    });
  }

  describe('before the clone is deployed (the normal case: customers pay first)', () => {
    it('a 21,000-gas transfer arrives', async () => {
      const { factory, implementation } = chain.contracts;
      const deposit = depositAddress({ factory, implementation, treasury, salt: paymentSalt('pay_gas_before') });

      const receipt = await receiptOf(await chain.wallet(1).sendTransaction({ to: deposit, value, gas: 21_000n }));

      expect(receipt.status).toBe('success');
      expect(receipt.gasUsed).toBe(21_000n);
      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(value);
    });

    it('a contract wallet paying with the 2,300-gas stipend gets through', async () => {
      const { factory, implementation } = chain.contracts;
      const deposit = depositAddress({ factory, implementation, treasury, salt: paymentSalt('pay_stipend_before') });

      const receipt = await receiptOf(await payViaTransferStipend(deposit));

      expect(receipt.status).toBe('success');
      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(value);
    });
  });

  describe('after the clone is deployed (late payments)', () => {
    it('a 21,000-gas transfer runs out of gas and moves nothing: no code can run on 0 gas', async () => {
      const deposit = await deployed(paymentSalt('pay_gas_after_21000'));

      await expect(chain.wallet(1).sendTransaction({ to: deposit, value, gas: 21_000n })).rejects.toThrow(
        /out of gas/i,
      );

      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(0n);
    });

    it('a transfer with the gas a wallet estimates arrives, for 23,712 gas', async () => {
      const deposit = await deployed(paymentSalt('pay_gas_after_estimated'));
      const estimate = await chain.publicClient.estimateGas({ account: chain.wallet(1).account, to: deposit, value });

      const receipt = await receiptOf(await chain.wallet(1).sendTransaction({ to: deposit, value }));

      expect(receipt.status).toBe('success');
      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(value);
      // 21,000 intrinsic + 2,600 cold DELEGATECALL + 112 for the proxy and the empty receive();
      // the figure is quoted in DepositForwarder.sol.
      expect(receipt.gasUsed).toBe(23_712n);
      expect(estimate).toBeGreaterThanOrEqual(receipt.gasUsed);
    });

    it('a contract wallet paying with the 2,300-gas stipend is refused (cold DELEGATECALL costs 2,600)', async () => {
      const deposit = await deployed(paymentSalt('pay_stipend_after'));

      await expect(payViaTransferStipend(deposit)).rejects.toThrow();

      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(0n);
    });
  });
});
