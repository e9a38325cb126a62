import {
  erc20Abi,
  parseAbi,
  parseEther,
  parseEventLogs,
  parseUnits,
  zeroAddress,
  type Address,
  type Hash,
  type Hex,
} from 'viem';
import { deployArtifact, depositAddress, depositFactoryAbi, depositForwarderAbi, HARDHAT_ACCOUNTS, type KassaTestChain, mintTestTokens, paymentSalt, startKassaTestChain } from '@kassa/chain';

/** ABI of contracts/src/test/ReentrantToken.sol beyond ERC-20. */
const reentrantTokenAbi = parseAbi([
  'function mint(address to, uint256 amount)',
  'function arm(address factory, bytes32 salt, address otherToken, bool before)',
  'function reentries() view returns (uint256)',
]);

/** ABI of contracts/src/test/NativeSender.sol. */
const nativeSenderAbi = parseAbi(['function payByCall(address to) payable']);

/**
 * Init code that SELFDESTRUCTs to `to` while being created: `PUSH20 <to> SELFDESTRUCT`. Deployed
 * with a value, it credits `to` without running any code there (no `receive`, no gas limit):
 * the one way native coin arrives that a contract cannot refuse.
 */
function forceSendInitCode(to: Address): Hex {
  return `0x73${to.slice(2).toLowerCase()}ff`;
}

/**
 * Hostile and unusual cases around settlement: tokens that call back into the factory and the
 * forwarder, empty deposit addresses, tokens without return values, native coin from contracts.
 * Whatever happens, funds either stay at the deposit address or reach its bound treasury.
 */
describe('Flush hardening', () => {
  let chain: KassaTestChain;
  const customer = HARDHAT_ACCOUNTS[1]!.address;
  const attacker = HARDHAT_ACCOUNTS[3]!.address;
  const treasury = HARDHAT_ACCOUNTS[5]!.address;

  beforeAll(async () => {
    chain = await startKassaTestChain();
    const { USDC, USDT } = chain.contracts.tokens;
    await mintTestTokens(chain.deployer, chain.publicClient, [
      { token: USDC, to: customer, amount: parseUnits('1000', 6) },
      { token: USDT, to: customer, amount: parseUnits('1000', 6) },
    ]);
  });

  afterAll(async () => {
    await chain?.stop();
  });

  async function mined(hash: Hash) {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  }

  function addressFor(salt: Hex, forTreasury: Address = treasury): Address {
    const { factory, implementation } = chain.contracts;
    return depositAddress({ factory, implementation, treasury: forTreasury, salt });
  }

  const tokenBalance = (token: Address, owner: Address) =>
    chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

  async function payToken(token: Address, to: Address, amount: bigint, from = 1): Promise<void> {
    await mined(await chain.wallet(from).writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [to, amount] }));
  }

  function flush(salt: Hex, tokens: Address[], caller = 2) {
    return chain.wallet(caller).writeContract({
      address: chain.contracts.factory,
      abi: depositFactoryAbi,
      functionName: 'flush',
      args: [treasury, salt, tokens],
    });
  }

  /** A ReentrantToken held by `deposit`, armed to attack while the deposit address sends it. */
  async function armedToken(salt: Hex, deposit: Address, amount: bigint, before: boolean): Promise<Address> {
    const token = await deployArtifact(chain.wallet(3), chain.publicClient, 'ReentrantToken');
    await mined(await chain.wallet(3).writeContract({ address: token, abi: reentrantTokenAbi, functionName: 'mint', args: [deposit, amount] }));
    await mined(
      await chain.wallet(3).writeContract({
        address: token,
        abi: reentrantTokenAbi,
        functionName: 'arm',
        args: [chain.contracts.factory, salt, chain.contracts.tokens.USDC, before],
      }),
    );
    return token;
  }

  describe('a malicious token re-entering while it is flushed', () => {
    it('after moving its balance: every re-entry finds nothing more to take, the treasury gets everything once', async () => {
      const salt = paymentSalt('pay_reentrant_after');
      const deposit = addressFor(salt);
      const { USDC } = chain.contracts.tokens;
      await payToken(USDC, deposit, parseUnits('40', 6));
      const token = await armedToken(salt, deposit, 1_000n, false);
      const [treasuryUsdc, attackerUsdc] = await Promise.all([tokenBalance(USDC, treasury), tokenBalance(USDC, attacker)]);

      const receipt = await mined(await flush(salt, [token]));

      expect(await chain.publicClient.readContract({ address: token, abi: reentrantTokenAbi, functionName: 'reentries' })).toBe(1n);
      expect(await tokenBalance(token, treasury)).toBe(1_000n);
      expect(await tokenBalance(token, deposit)).toBe(0n);
      expect(await tokenBalance(token, attacker)).toBe(0n);
      // The nested flush of USDC also went to the bound treasury, and only there.
      expect(await tokenBalance(USDC, treasury)).toBe(treasuryUsdc + parseUnits('40', 6));
      expect(await tokenBalance(USDC, attacker)).toBe(attackerUsdc);
      // The forwarder is still bound to the treasury (re-initialize failed).
      expect(await chain.publicClient.readContract({ address: deposit, abi: depositForwarderAbi, functionName: 'treasury' })).toBe(treasury);
      const flushed = parseEventLogs({ abi: depositForwarderAbi, eventName: 'Flushed', logs: receipt.logs });
      // Flushed is emitted before the transfer it announces, so the outer flush comes first.
      expect(flushed.map((event) => [event.args.token, event.args.amount])).toEqual([
        [token, 1_000n],
        [USDC, parseUnits('40', 6)],
      ]);
    });

    it('before moving its balance: only its own flush fails; the deposit keeps it and other assets still flush', async () => {
      const salt = paymentSalt('pay_reentrant_before');
      const deposit = addressFor(salt);
      const { USDC } = chain.contracts.tokens;
      await payToken(USDC, deposit, parseUnits('15', 6));
      const token = await armedToken(salt, deposit, 500n, true);

      // The nested flush moves the token first, so the outer transfer has nothing left to send.
      await expect(flush(salt, [token, USDC])).rejects.toThrow();
      expect(await tokenBalance(token, deposit)).toBe(500n);
      expect(await tokenBalance(USDC, deposit)).toBe(parseUnits('15', 6));
      expect(await tokenBalance(token, attacker)).toBe(0n);

      const treasuryUsdc = await tokenBalance(USDC, treasury);
      await mined(await flush(salt, [USDC]));
      expect(await tokenBalance(USDC, treasury)).toBe(treasuryUsdc + parseUnits('15', 6));
      expect(await tokenBalance(USDC, deposit)).toBe(0n);
    });
  });

  describe('zero balances', () => {
    it('flushing an address that holds nothing emits no Flushed event and calls no transfer', async () => {
      const salt = paymentSalt('pay_zero_balance');
      const { USDC, USDT, DAI } = chain.contracts.tokens;

      const first = await mined(await flush(salt, [zeroAddress, USDC, USDT, DAI]));
      const second = await mined(await flush(salt, [zeroAddress, USDC, USDT, DAI]));

      for (const receipt of [first, second]) {
        expect(parseEventLogs({ abi: depositForwarderAbi, eventName: 'Flushed', logs: receipt.logs })).toEqual([]);
        expect(parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs })).toEqual([]);
      }
      // The clone was deployed by the first call only.
      expect(parseEventLogs({ abi: depositFactoryAbi, eventName: 'ForwarderDeployed', logs: first.logs })).toHaveLength(1);
      expect(parseEventLogs({ abi: depositFactoryAbi, eventName: 'ForwarderDeployed', logs: second.logs })).toHaveLength(0);
    });

    it('a zero-balance token in a batch does not stop the other tokens', async () => {
      const salt = paymentSalt('pay_zero_mixed');
      const deposit = addressFor(salt);
      const { USDC, USDT } = chain.contracts.tokens;
      await payToken(USDT, deposit, parseUnits('2', 6));
      const before = await tokenBalance(USDT, treasury);

      await mined(await flush(salt, [USDC, USDT, zeroAddress]));

      expect(await tokenBalance(USDT, treasury)).toBe(before + parseUnits('2', 6));
    });
  });

  it('a token whose transfer returns nothing (USDT style) flushes through flushMany as well', async () => {
    const { USDT } = chain.contracts.tokens;
    const salts = [paymentSalt('pay_usdt_many_1'), paymentSalt('pay_usdt_many_2')];
    for (const salt of salts) await payToken(USDT, addressFor(salt), parseUnits('3.25', 6));
    const before = await tokenBalance(USDT, treasury);

    await mined(
      await chain.wallet(2).writeContract({
        address: chain.contracts.factory,
        abi: depositFactoryAbi,
        functionName: 'flushMany',
        args: [salts.map((salt) => ({ treasury, salt, tokens: [USDT] }))],
      }),
    );

    expect(await tokenBalance(USDT, treasury)).toBe(before + parseUnits('6.5', 6));
    for (const salt of salts) expect(await tokenBalance(USDT, addressFor(salt))).toBe(0n);
  });

  describe('native coin sent by a contract', () => {
    let sender: Address;

    beforeAll(async () => {
      sender = await deployArtifact(chain.deployer, chain.publicClient, 'NativeSender');
    });

    const payByCall = async (to: Address, value: bigint) =>
      mined(await chain.wallet(1).writeContract({ address: sender, abi: nativeSenderAbi, functionName: 'payByCall', args: [to], value }));

    it('a plain call before and after the clone is deployed: both amounts reach the treasury', async () => {
      const salt = paymentSalt('pay_native_by_contract');
      const deposit = addressFor(salt);
      await payByCall(deposit, parseEther('0.3'));
      const before = await chain.publicClient.getBalance({ address: treasury });
      await mined(await flush(salt, [zeroAddress]));

      await payByCall(deposit, parseEther('0.2')); // the clone now runs its empty receive()
      await mined(await flush(salt, [zeroAddress]));

      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(0n);
      expect(await chain.publicClient.getBalance({ address: treasury })).toBe(before + parseEther('0.5'));
    });

    it('coin forced in by SELFDESTRUCT, which runs no code at the deposit address, is flushed too', async () => {
      const salt = paymentSalt('pay_native_forced');
      const deposit = addressFor(salt);
      await mined(await flush(salt, [])); // deployed first: the forced coin bypasses its receive()
      await mined(await chain.wallet(1).sendTransaction({ data: forceSendInitCode(deposit), value: parseEther('0.7') }));
      expect(await chain.publicClient.getBalance({ address: deposit })).toBe(parseEther('0.7'));
      const before = await chain.publicClient.getBalance({ address: treasury });

      const receipt = await mined(await flush(salt, [zeroAddress]));

      expect(await chain.publicClient.getBalance({ address: treasury })).toBe(before + parseEther('0.7'));
      expect(parseEventLogs({ abi: depositForwarderAbi, eventName: 'Flushed', logs: receipt.logs })[0]?.args).toEqual({
        token: zeroAddress,
        amount: parseEther('0.7'),
      });
    });
  });
});
