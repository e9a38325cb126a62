import fc from 'fast-check';
import { erc20Abi, parseAbi, zeroAddress, type Address, type Hash, type Hex } from 'viem';
import { deployArtifact, depositAddress, depositFactoryAbi, depositForwarderAbi, HARDHAT_ACCOUNTS, type KassaTestChain, mintTestTokens, paymentSalt, startKassaTestChain } from '@kassa/chain';

/**
 * The non-custodial promise as a property: whatever sequence of calls random callers make
 * (payments, flush and flushMany naming any treasury, direct forwarder flushes, deploys,
 * re-initialisation attempts), every base unit paid to a deposit address is either still there
 * or at the treasury that address is bound to; no one else gains anything but a gas bill.
 */
describe('Property: funds only ever move from a deposit address to its bound treasury', () => {
  let chain: KassaTestChain;
  let assets: readonly Address[];
  let treasuries: readonly Address[];
  let run = 0;

  const CUSTOMER = 1;
  /** Callers of flush, deploy and the rest: a gas payer, an attacker, a bystander, the customer. */
  const CALLERS = [2, 3, 7, 1] as const;
  const DEPOSITS = 4;

  beforeAll(async () => {
    chain = await startKassaTestChain();
    const { USDC, DAI, USDT } = chain.contracts.tokens;
    assets = [zeroAddress, USDC, DAI, USDT];
    const reentrant = await deployArtifact(chain.deployer, chain.publicClient, 'ReentrantTreasury');
    treasuries = [HARDHAT_ACCOUNTS[5]!.address, HARDHAT_ACCOUNTS[6]!.address, reentrant];
    const customer = HARDHAT_ACCOUNTS[CUSTOMER]!.address;
    await mintTestTokens(chain.deployer, chain.publicClient, [
      { token: USDC, to: customer, amount: 10n ** 15n },
      { token: DAI, to: customer, amount: 10n ** 30n },
      { token: USDT, to: customer, amount: 10n ** 15n },
    ]);
  });

  afterAll(async () => {
    await chain?.stop();
  });

  type Action =
    | { kind: 'pay'; deposit: number; asset: number; amount: bigint }
    | { kind: 'flush'; caller: number; deposit: number; claimed: number; tokens: number[] }
    | { kind: 'flushMany'; caller: number; requests: { deposit: number; claimed: number; tokens: number[] }[] }
    | { kind: 'forwarderFlush'; caller: number; deposit: number; asset: number }
    | { kind: 'initialize'; caller: number; deposit: number }
    | { kind: 'deploy'; caller: number; deposit: number; claimed: number };

  const deposit = fc.integer({ min: 0, max: DEPOSITS - 1 });
  const asset = fc.integer({ min: 0, max: 3 });
  const caller = fc.constantFrom(...CALLERS);
  /** Which treasury a call names: -1 the deposit's own (most calls), else any of the three. */
  const claimed = fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 }) });
  const binding = fc.integer({ min: 0, max: 2 });
  const tokens = fc.subarray([0, 1, 2, 3]);
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('pay' as const), deposit, asset, amount: fc.bigInt({ min: 1n, max: 10n ** 9n }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('flush' as const), caller, deposit, claimed, tokens }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('flushMany' as const),
        caller,
        requests: fc.array(fc.record({ deposit, claimed, tokens }), { minLength: 1, maxLength: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('forwarderFlush' as const), caller, deposit, asset }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('initialize' as const), caller, deposit }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deploy' as const), caller, deposit, claimed }) },
  );

  /** Every tracked holding: deposits, treasuries, callers, the factory and the implementation. */
  async function snapshot(holders: readonly Address[]): Promise<bigint[][]> {
    return Promise.all(
      holders.map((holder) =>
        Promise.all(
          assets.map((token) =>
            token === zeroAddress
              ? chain.publicClient.getBalance({ address: holder })
              : chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] }),
          ),
        ),
      ),
    );
  }

  it('holds for random call sequences by random callers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(binding, { minLength: DEPOSITS, maxLength: DEPOSITS }), fc.array(action, { minLength: 1, maxLength: 14 }), async (bindings, actions) => {
        run += 1;
        const salts: Hex[] = Array.from({ length: DEPOSITS }, (_, i) => paymentSalt(`pay_property_${run}_${i}`));
        const bound = bindings.map((index) => treasuries[index]!);
        const addressOf = (treasury: Address, salt: Hex) =>
          depositAddress({ factory: chain.contracts.factory, implementation: chain.contracts.implementation, treasury, salt });
        const deposits = salts.map((salt, i) => addressOf(bound[i]!, salt));
        const callerAddresses = CALLERS.map((index) => HARDHAT_ACCOUNTS[index]!.address);
        const holders = [...deposits, ...treasuries, ...callerAddresses, chain.contracts.factory, chain.contracts.implementation];
        const before = await snapshot(holders);

        // The model: what each deposit address should hold, and what each treasury should have gained.
        const held = deposits.map(() => assets.map(() => 0n));
        const gained = treasuries.map(() => assets.map(() => 0n));
        const deployed = deposits.map(() => false);
        const gasPaid = new Map<number, bigint>(CALLERS.map((index) => [index, 0n]));
        const paidByCustomer = assets.map(() => 0n);

        const named = (i: number, claimedTreasury: number): Address => (claimedTreasury < 0 ? bound[i]! : treasuries[claimedTreasury]!);
        const flushModel = (i: number, claimedTreasury: number, tokenIndexes: number[]) => {
          if (named(i, claimedTreasury) !== bound[i]) return; // another, empty address
          deployed[i] = true;
          for (const a of tokenIndexes) {
            gained[bindings[i]!]![a]! += held[i]![a]!;
            held[i]![a] = 0n;
          }
        };

        const send = async (index: number, hash: () => Promise<Hash>): Promise<boolean> => {
          let sent: Hash;
          try {
            sent = await hash();
          } catch {
            return false; // refused when estimating: nothing was mined
          }
          const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: sent });
          gasPaid.set(index, (gasPaid.get(index) ?? 0n) + receipt.gasUsed * receipt.effectiveGasPrice);
          return receipt.status === 'success';
        };

        for (const step of actions) {
          switch (step.kind) {
            case 'pay': {
              const wallet = chain.wallet(CUSTOMER);
              const token = assets[step.asset]!;
              const ok = await send(CUSTOMER, () =>
                token === zeroAddress
                  ? wallet.sendTransaction({ to: deposits[step.deposit]!, value: step.amount })
                  : wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [deposits[step.deposit]!, step.amount] }),
              );
              if (ok) {
                held[step.deposit]![step.asset]! += step.amount;
                paidByCustomer[step.asset]! += step.amount;
              }
              break;
            }
            case 'flush': {
              const ok = await send(step.caller, () =>
                chain.wallet(step.caller).writeContract({
                  address: chain.contracts.factory,
                  abi: depositFactoryAbi,
                  functionName: 'flush',
                  args: [named(step.deposit, step.claimed), salts[step.deposit]!, step.tokens.map((a) => assets[a]!)],
                }),
              );
              if (ok) flushModel(step.deposit, step.claimed, step.tokens);
              break;
            }
            case 'flushMany': {
              const ok = await send(step.caller, () =>
                chain.wallet(step.caller).writeContract({
                  address: chain.contracts.factory,
                  abi: depositFactoryAbi,
                  functionName: 'flushMany',
                  args: [step.requests.map((r) => ({ treasury: named(r.deposit, r.claimed), salt: salts[r.deposit]!, tokens: r.tokens.map((a) => assets[a]!) }))],
                }),
              );
              if (ok) for (const r of step.requests) flushModel(r.deposit, r.claimed, r.tokens);
              break;
            }
            case 'forwarderFlush': {
              const ok = await send(step.caller, () =>
                chain.wallet(step.caller).writeContract({ address: deposits[step.deposit]!, abi: depositForwarderAbi, functionName: 'flush', args: [assets[step.asset]!] }),
              );
              // Without code the call does nothing; with code it flushes to the bound treasury.
              if (ok && deployed[step.deposit]) flushModel(step.deposit, -1, [step.asset]);
              break;
            }
            case 'initialize': {
              const attacker = HARDHAT_ACCOUNTS[step.caller]!.address;
              await send(step.caller, () =>
                chain.wallet(step.caller).writeContract({ address: deposits[step.deposit]!, abi: parseAbi(['function initialize(address)']), functionName: 'initialize', args: [attacker] }),
              );
              break;
            }
            case 'deploy': {
              const ok = await send(step.caller, () =>
                chain.wallet(step.caller).writeContract({
                  address: chain.contracts.factory,
                  abi: depositFactoryAbi,
                  functionName: 'deploy',
                  args: [named(step.deposit, step.claimed), salts[step.deposit]!],
                }),
              );
              if (ok && named(step.deposit, step.claimed) === bound[step.deposit]) deployed[step.deposit] = true;
              break;
            }
          }
        }

        const after = await snapshot(holders);
        const delta = (holder: number, a: number) => after[holder]![a]! - before[holder]![a]!;
        const expected = holders.map((_, h) =>
          assets.map((__, a) => {
            if (h < DEPOSITS) return held[h]![a]!;
            const t = h - DEPOSITS;
            if (t < treasuries.length) return gained[t]![a]!;
            const c = t - treasuries.length;
            if (c < CALLERS.length) {
              const index = CALLERS[c]!;
              const spent = index === CUSTOMER ? paidByCustomer[a]! : 0n;
              return (a === 0 ? -gasPaid.get(index)! : 0n) - spent;
            }
            return 0n; // factory, implementation
          }),
        );
        const actual = holders.map((_, h) => assets.map((__, a) => delta(h, a)));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 20 },
    );
  });
});
