import { erc20Abi, parseEther, parseEventLogs, parseUnits, zeroAddress, type Address, type Hash, type Hex } from 'viem';
import { depositAddress, depositFactoryAbi, depositForwarderAbi, HARDHAT_ACCOUNTS, type KassaTestChain, mintTestTokens, paymentSalt, startKassaTestChain } from '@kassa/chain';

/**
 * `flushMany` settles several deposit addresses in one transaction (what the settlement job
 * sends): each request goes to its own bound treasury, whoever calls and whatever the mix.
 */
describe('Batch flush (DepositFactory.flushMany)', () => {
  let chain: KassaTestChain;
  const shopA = HARDHAT_ACCOUNTS[5]!.address;
  const shopB = HARDHAT_ACCOUNTS[6]!.address;
  const attacker = HARDHAT_ACCOUNTS[3]!.address;

  beforeAll(async () => {
    chain = await startKassaTestChain();
    const { USDC, DAI } = chain.contracts.tokens;
    await mintTestTokens(chain.deployer, chain.publicClient, [
      { token: USDC, to: HARDHAT_ACCOUNTS[1]!.address, amount: parseUnits('1000', 6) },
      { token: DAI, to: HARDHAT_ACCOUNTS[1]!.address, amount: parseUnits('1000', 18) },
    ]);
  });

  afterAll(async () => {
    await chain?.stop();
  });

  interface Request {
    treasury: Address;
    salt: Hex;
    tokens: Address[];
  }

  const addressFor = (treasury: Address, salt: Hex): Address =>
    depositAddress({ factory: chain.contracts.factory, implementation: chain.contracts.implementation, treasury, salt });

  async function mined(hash: Hash) {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  }

  const balanceOf = (token: Address, owner: Address) =>
    token === zeroAddress
      ? chain.publicClient.getBalance({ address: owner })
      : chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

  async function pay(to: Address, token: Address, amount: bigint): Promise<void> {
    const wallet = chain.wallet(1);
    await mined(
      token === zeroAddress
        ? await wallet.sendTransaction({ to, value: amount })
        : await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
    );
  }

  const flushMany = (requests: Request[], caller = 7) =>
    chain.wallet(caller).writeContract({ address: chain.contracts.factory, abi: depositFactoryAbi, functionName: 'flushMany', args: [requests] });

  it('settles payments of two merchants in one transaction, each to its own treasury', async () => {
    const { USDC, DAI } = chain.contracts.tokens;
    const a1 = paymentSalt('pay_many_a1');
    const a2 = paymentSalt('pay_many_a2');
    const b1 = paymentSalt('pay_many_b1');
    await pay(addressFor(shopA, a1), USDC, parseUnits('10', 6));
    await pay(addressFor(shopA, a2), zeroAddress, parseEther('0.25'));
    await pay(addressFor(shopB, b1), DAI, parseUnits('4.5', 18));
    await pay(addressFor(shopB, b1), USDC, parseUnits('1', 6));
    const before = {
      aUsdc: await balanceOf(USDC, shopA),
      aEth: await balanceOf(zeroAddress, shopA),
      bDai: await balanceOf(DAI, shopB),
      bUsdc: await balanceOf(USDC, shopB),
    };

    const receipt = await mined(
      await flushMany([
        { treasury: shopA, salt: a1, tokens: [USDC] },
        { treasury: shopA, salt: a2, tokens: [zeroAddress] },
        { treasury: shopB, salt: b1, tokens: [DAI, USDC] },
      ]),
    );

    expect(await balanceOf(USDC, shopA)).toBe(before.aUsdc + parseUnits('10', 6));
    expect(await balanceOf(zeroAddress, shopA)).toBe(before.aEth + parseEther('0.25'));
    expect(await balanceOf(DAI, shopB)).toBe(before.bDai + parseUnits('4.5', 18));
    expect(await balanceOf(USDC, shopB)).toBe(before.bUsdc + parseUnits('1', 6));
    const flushed = parseEventLogs({ abi: depositForwarderAbi, eventName: 'Flushed', logs: receipt.logs });
    expect(flushed.map((event) => event.address.toLowerCase())).toEqual(
      [addressFor(shopA, a1), addressFor(shopA, a2), addressFor(shopB, b1), addressFor(shopB, b1)].map((a) => a.toLowerCase()),
    );
    expect(parseEventLogs({ abi: depositFactoryAbi, eventName: 'ForwarderDeployed', logs: receipt.logs })).toHaveLength(3);
  });

  it("a request naming another treasury for a payment's salt reaches an empty address and moves nothing", async () => {
    const { USDC } = chain.contracts.tokens;
    const salt = paymentSalt('pay_many_claim');
    const deposit = addressFor(shopA, salt);
    await pay(deposit, USDC, parseUnits('8', 6));

    await mined(await flushMany([{ treasury: attacker, salt, tokens: [USDC] }], 3));

    expect(await balanceOf(USDC, deposit)).toBe(parseUnits('8', 6));
    expect(await balanceOf(USDC, attacker)).toBe(0n);
  });

  it('one failing request reverts the whole batch, so nothing moves', async () => {
    const { USDC } = chain.contracts.tokens;
    const salt = paymentSalt('pay_many_revert');
    const deposit = addressFor(shopA, salt);
    await pay(deposit, USDC, parseUnits('2', 6));

    await expect(
      flushMany([
        { treasury: shopA, salt, tokens: [USDC] },
        { treasury: zeroAddress, salt: paymentSalt('pay_many_zero'), tokens: [USDC] },
      ]),
    ).rejects.toThrow('ZeroTreasury');

    expect(await balanceOf(USDC, deposit)).toBe(parseUnits('2', 6));
    expect(await chain.publicClient.getCode({ address: deposit })).toBeUndefined();
  });

  it('an empty batch, and a request for an address already flushed, are harmless', async () => {
    const { USDC } = chain.contracts.tokens;
    const salt = paymentSalt('pay_many_twice');
    await pay(addressFor(shopB, salt), USDC, parseUnits('3', 6));
    await mined(await flushMany([{ treasury: shopB, salt, tokens: [USDC] }]));
    const before = await balanceOf(USDC, shopB);

    const empty = await mined(await flushMany([]));
    const again = await mined(await flushMany([{ treasury: shopB, salt, tokens: [USDC, zeroAddress] }]));

    expect(empty.logs).toEqual([]);
    expect(again.logs).toEqual([]);
    expect(await balanceOf(USDC, shopB)).toBe(before);
  });
});
