import { erc20Abi, parseEther, parseUnits, type Address } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES, type LocalChain } from '@kassa/chain';
import type { PaymentObject, SettlementObject } from '@kassa/domain';
import { eventually } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * Settlement of a priced payment paid on two chains (docs/pricing.md): each chain's
 * deposit address is flushed to the treasury on that chain, by a settlement of its own.
 */
describe('settlement of a payment with value on two chains', () => {
  const OTHER_CHAIN_ID = 31338;
  const treasury = HARDHAT_ACCOUNTS[LOCAL_ROLES.treasury]!.address;
  const kassa = useTestKassa({ confirmations: 2, settlement: true, secondChain: { chainId: OTHER_CHAIN_ID, confirmations: 2 } });
  let chainA: LocalChain;
  let chainB: LocalChain;

  beforeAll(async () => {
    chainA = kassa.chain;
    chainB = kassa.otherChain!;
  });

  const balance = (chain: LocalChain, token: Address | null, owner: Address) =>
    token
      ? chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })
      : chain.publicClient.getBalance({ address: owner });

  it('flushes the paying option on its chain and the overpayment on the other, each to the treasury there', async () => {
    const usdcA = chainA.contracts.tokens.USDC;
    const [usdcBefore, ethBefore] = await Promise.all([balance(chainA, usdcA, treasury), balance(chainB, null, treasury)]);
    const created = (
      await kassa.request<PaymentObject>('POST', '/v1/payments', {
        price: { amount: '25', currency: 'USD' },
        acceptedCurrencies: [{ currency: 'ETH', chainId: OTHER_CHAIN_ID }, { currency: 'USDC', chainId: 31337 }],
      })
    ).body;
    const deposit = created.depositAddress as Address;

    // Some USDC on the first chain, then the whole ETH amount on the second: PAID in ETH, OVERPAID.
    await kassa.send(deposit, usdcA, parseUnits('5', 6));
    await kassa.send(deposit, null, parseEther('0.01'), undefined, chainB);
    await kassa.mine(1);
    await kassa.mine(1, chainB);

    const settlements = await eventually(async () => {
      const list = (await kassa.request<{ data: SettlementObject[] }>('GET', `/v1/settlements?paymentId=${created.id}`)).body.data;
      if (list.length === 2 && list.every((settlement) => settlement.status === 'settled')) return list;
      // Settlement transactions need their chain's confirmations before they count.
      await Promise.all([kassa.mine(1), kassa.mine(1, chainB)]);
      return undefined;
    }, { what: 'a settled settlement on each chain', timeoutMs: 30_000 });

    const paid = (await kassa.request<PaymentObject>('GET', `/v1/payments/${created.id}`)).body;
    expect(paid).toMatchObject({ status: 'PAID', exception: 'OVERPAID', chainId: OTHER_CHAIN_ID, currency: 'ETH' });
    expect(settlements.map((settlement) => [settlement.chainId, settlement.depositAddress, settlement.treasuryAddress, settlement.amounts.map((a) => a.amountBaseUnits)]).sort()).toEqual([
      [31337, deposit, treasury, ['5000000']],
      [OTHER_CHAIN_ID, deposit, treasury, [parseEther('0.01').toString()]],
    ]);
    expect(await balance(chainA, usdcA, deposit)).toBe(0n);
    expect(await balance(chainB, null, deposit)).toBe(0n);
    expect(await balance(chainA, usdcA, treasury)).toBe(usdcBefore + parseUnits('5', 6));
    expect(await balance(chainB, null, treasury)).toBe(ethBefore + parseEther('0.01'));
    expect(paid.settlement).toMatchObject({ status: 'settled' });
  });
});
