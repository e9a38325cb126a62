import { erc20Abi, parseEther, parseEventLogs, parseUnits, zeroAddress, type Address, type Hash } from 'viem';
import { deployArtifact, depositAddress, depositFactoryAbi, depositForwarderAbi, HARDHAT_ACCOUNTS, type KassaTestChain, mintTestTokens, paymentSalt, startKassaTestChain, testUsdtAbi } from '@kassa/chain';

/**
 * Settlement: `flush` moves everything a deposit address holds (native coin, standard ERC-20s
 * and a USDT-style token whose transfer returns nothing) to the bound treasury, and nowhere else.
 */
describe('Flushing a deposit address to the treasury', () => {
  let chain: KassaTestChain;
  let assets: Record<'ETH' | 'USDC' | 'DAI' | 'USDT', Address>;

  const customer = HARDHAT_ACCOUNTS[1]!.address;
  const settler = HARDHAT_ACCOUNTS[2]!.address; // gas payer calling flush
  const bystander = HARDHAT_ACCOUNTS[7]!.address;
  const treasury = HARDHAT_ACCOUNTS[5]!.address;

  beforeAll(async () => {
    chain = await startKassaTestChain();
    const { USDC, DAI, USDT } = chain.contracts.tokens;
    assets = { ETH: zeroAddress, USDC, DAI, USDT };
    await mintTestTokens(chain.deployer, chain.publicClient, [
      { token: USDC, to: customer, amount: parseUnits('1000', 6) },
      { token: DAI, to: customer, amount: parseUnits('1000', 18) },
      { token: USDT, to: customer, amount: parseUnits('1000', 6) },
    ]);
  });

  afterAll(async () => {
    await chain?.stop();
  });

  type Holdings = Record<keyof typeof assets, bigint>;

  async function holdings(owner: Address): Promise<Holdings> {
    const token = (address: Address) =>
      chain.publicClient.readContract({ address, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });
    const [ETH, USDC, DAI, USDT] = await Promise.all([
      chain.publicClient.getBalance({ address: owner }),
      token(assets.USDC),
      token(assets.DAI),
      token(assets.USDT),
    ]);
    return { ETH, USDC, DAI, USDT };
  }

  async function mined(hash: Hash) {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  }

  /** The customer pays `amounts` to `to`: native with a plain 21,000-gas send, tokens by transfer. */
  async function pay(to: Address, amounts: Partial<Holdings>): Promise<void> {
    const wallet = chain.wallet(1);
    if (amounts.ETH) await mined(await wallet.sendTransaction({ to, value: amounts.ETH, gas: 21_000n }));
    for (const symbol of ['USDC', 'DAI', 'USDT'] as const) {
      const amount = amounts[symbol];
      if (!amount) continue;
      // testUsdtAbi: TestUSDT's transfer returns nothing (its ERC-20 selectors are the same).
      await mined(
        await wallet.writeContract({ address: assets[symbol], abi: testUsdtAbi, functionName: 'transfer', args: [to, amount] }),
      );
    }
  }

  function factoryFlush(salt: Hash, tokens: Address[], forTreasury: Address = treasury) {
    return chain
      .wallet(2)
      .writeContract({
        address: chain.contracts.factory,
        abi: depositFactoryAbi,
        functionName: 'flush',
        args: [forTreasury, salt, tokens],
      })
      .then(mined);
  }

  function addressFor(salt: Hash, forTreasury: Address = treasury): Address {
    const { factory, implementation } = chain.contracts;
    return depositAddress({ factory, implementation, treasury: forTreasury, salt });
  }

  const paid: Holdings = {
    ETH: parseEther('1.5'),
    USDC: parseUnits('25', 6),
    DAI: parseUnits('10.25', 18),
    USDT: parseUnits('7.5', 6),
  };

  it('moves every asset paid before deployment to the treasury and nowhere else', async () => {
    const salt = paymentSalt('pay_flush_all');
    const deposit = addressFor(salt);
    await pay(deposit, paid);
    expect(await chain.publicClient.getCode({ address: deposit })).toBeUndefined();

    const watched = [treasury, customer, settler, bystander, chain.contracts.factory, deposit] as const;
    const before = await Promise.all(watched.map(holdings));

    const receipt = await factoryFlush(salt, Object.values(assets));

    const after = await Promise.all(watched.map(holdings));
    const [treasuryBefore, customerBefore, settlerBefore, bystanderBefore, factoryBefore, depositBefore] = before;
    const [treasuryAfter, customerAfter, settlerAfter, bystanderAfter, factoryAfter, depositAfter] = after;
    expect(depositBefore).toEqual(paid);
    expect(depositAfter).toEqual({ ETH: 0n, USDC: 0n, DAI: 0n, USDT: 0n });
    expect(treasuryAfter).toEqual({
      ETH: treasuryBefore!.ETH + paid.ETH,
      USDC: treasuryBefore!.USDC + paid.USDC,
      DAI: treasuryBefore!.DAI + paid.DAI,
      USDT: treasuryBefore!.USDT + paid.USDT,
    });
    expect(settlerAfter).toEqual({ ...settlerBefore, ETH: settlerBefore!.ETH - receipt.gasUsed * receipt.effectiveGasPrice });
    expect(customerAfter).toEqual(customerBefore);
    expect(bystanderAfter).toEqual(bystanderBefore);
    expect(factoryAfter).toEqual(factoryBefore);

    const events = parseEventLogs({ abi: [...depositFactoryAbi, ...depositForwarderAbi], logs: receipt.logs });
    expect(events.map((event) => [event.eventName, event.address.toLowerCase(), event.args])).toEqual([
      ['ForwarderDeployed', chain.contracts.factory.toLowerCase(), { treasury, salt, forwarder: deposit }],
      ['Flushed', deposit.toLowerCase(), { token: assets.ETH, amount: paid.ETH }],
      ['Flushed', deposit.toLowerCase(), { token: assets.USDC, amount: paid.USDC }],
      ['Flushed', deposit.toLowerCase(), { token: assets.DAI, amount: paid.DAI }],
      ['Flushed', deposit.toLowerCase(), { token: assets.USDT, amount: paid.USDT }],
    ]);
  });

  it('flushing an emptied address again is harmless', async () => {
    const salt = paymentSalt('pay_flush_twice');
    await pay(addressFor(salt), { USDC: paid.USDC, ETH: paid.ETH });
    await factoryFlush(salt, Object.values(assets));
    const treasuryBefore = await holdings(treasury);

    const again = await factoryFlush(salt, Object.values(assets));

    expect(parseEventLogs({ abi: [...depositFactoryAbi, ...depositForwarderAbi], logs: again.logs })).toEqual([]);
    expect(await holdings(treasury)).toEqual(treasuryBefore);
  });

  it('an address that received nothing deploys and flushes nothing, without reverting', async () => {
    const salt = paymentSalt('pay_flush_empty');
    const receipt = await factoryFlush(salt, Object.values(assets));
    const events = parseEventLogs({ abi: [...depositFactoryAbi, ...depositForwarderAbi], logs: receipt.logs });
    expect(events.map((event) => event.eventName)).toEqual(['ForwarderDeployed']);
  });

  it('late payments to an already deployed address are flushed by anyone, straight on the forwarder', async () => {
    const salt = paymentSalt('pay_late_topup');
    const deposit = addressFor(salt);
    await factoryFlush(salt, []); // deploys only
    expect(await chain.publicClient.getCode({ address: deposit })).toBeDefined();

    // A deployed clone runs code on receipt: a plain send needs more than 21,000 gas (see
    // native-deposit-gas.spec.ts), so let viem estimate it.
    await mined(await chain.wallet(1).sendTransaction({ to: deposit, value: parseEther('0.2') }));
    await pay(deposit, { USDT: parseUnits('3', 6) });
    const treasuryBefore = await holdings(treasury);

    for (const token of [assets.ETH, assets.USDT]) {
      await mined(
        await chain.wallet(7).writeContract({
          address: deposit,
          abi: depositForwarderAbi,
          functionName: 'flush',
          args: [token],
        }),
      );
    }

    expect(await holdings(deposit)).toEqual({ ETH: 0n, USDC: 0n, DAI: 0n, USDT: 0n });
    const treasuryAfter = await holdings(treasury);
    expect(treasuryAfter.ETH - treasuryBefore.ETH).toBe(parseEther('0.2'));
    expect(treasuryAfter.USDT - treasuryBefore.USDT).toBe(parseUnits('3', 6));
  });

  it('funds for one treasury cannot be flushed to another', async () => {
    const salt = paymentSalt('pay_wrong_treasury');
    const deposit = addressFor(salt);
    await pay(deposit, { DAI: paid.DAI });
    const thief = HARDHAT_ACCOUNTS[3]!.address;

    // Same salt, other treasury: a different (empty) address is deployed and flushed.
    await factoryFlush(salt, [assets.DAI], thief);

    expect((await holdings(deposit)).DAI).toBe(paid.DAI);
    expect((await holdings(thief)).DAI).toBe(0n);
  });

  it('a treasury contract that re-enters flush still receives everything exactly once', async () => {
    const reentrant = await deployArtifact(chain.deployer, chain.publicClient, 'ReentrantTreasury');
    const salt = paymentSalt('pay_reentrant');
    const deposit = addressFor(salt, reentrant);
    await pay(deposit, { ETH: paid.ETH });

    await factoryFlush(salt, [assets.ETH], reentrant);

    expect(await chain.publicClient.getBalance({ address: reentrant })).toBe(paid.ETH);
    expect(await chain.publicClient.getBalance({ address: deposit })).toBe(0n);
    const reentered = await chain.publicClient.readContract({
      address: reentrant,
      abi: [{ type: 'function', name: 'reentered', stateMutability: 'view', inputs: [], outputs: [{ type: 'uint256' }] }],
      functionName: 'reentered',
    });
    expect(reentered).toBe(1n);
  });
});
