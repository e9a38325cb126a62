import { InvalidStateTransitionError } from '../errors';
import { assertCancelable, type CountedTransfer, decideExpiry, evaluatePayment, type PaymentTerms } from './lifecycle';

const USDC = { symbol: 'USDC', address: '0x00000000000000000000000000000000000000aa' as const, decimals: 6 };
const deadline = new Date('2026-01-01T12:00:00Z');

const terms = (overrides: Partial<PaymentTerms> = {}): PaymentTerms => ({
  status: 'CREATED',
  exception: null,
  amount: 10_000_000n,
  amountMinimum: 10_000_000n,
  requiredConfirmations: 3,
  expiresAt: deadline,
  token: USDC,
  chainId: 1,
  ...overrides,
});

const transfer = (amount: bigint, blockNumber: bigint, overrides: Partial<CountedTransfer> = {}): CountedTransfer => ({
  amount,
  blockNumber,
  blockTimestamp: new Date(deadline.getTime() - 60_000),
  status: 'active',
  tokenAddress: USDC.address,
  ...overrides,
});

describe('payment lifecycle', () => {
  it('stays CREATED with no transfers', () => {
    expect(evaluatePayment(terms(), [], 100n).status).toBe('CREATED');
  });

  it('is PENDING while the full amount lacks confirmations, PAID once confirmed', () => {
    const transfers = [transfer(10_000_000n, 100n)];
    expect(evaluatePayment(terms(), transfers, 101n).status).toBe('PENDING'); // 2 confirmations
    expect(evaluatePayment(terms(), transfers, 102n)).toMatchObject({ status: 'PAID', exception: null }); // 3
  });

  it('never pays on fewer than the required confirmations, whatever the amount', () => {
    expect(evaluatePayment(terms(), [transfer(50_000_000n, 100n)], 101n).status).toBe('PENDING');
  });

  it('underpaid then topped up before the deadline becomes PAID', () => {
    const first = [transfer(4_000_000n, 100n)];
    expect(evaluatePayment(terms(), first, 110n).status).toBe('PENDING');
    expect(evaluatePayment(terms(), [...first, transfer(6_000_000n, 105n)], 110n).status).toBe('PAID');
  });

  it('marks an overpayment OVERPAID', () => {
    expect(evaluatePayment(terms(), [transfer(12_000_000n, 100n)], 110n)).toMatchObject({ status: 'PAID', exception: 'OVERPAID' });
  });

  it('accepts the amount less the tolerance', () => {
    expect(evaluatePayment(terms({ amountMinimum: 9_900_000n }), [transfer(9_900_000n, 100n)], 110n)).toMatchObject({ status: 'PAID', exception: null });
  });

  it('does not count other tokens or orphaned transfers', () => {
    const transfers = [
      transfer(10_000_000n, 100n, { tokenAddress: '0x00000000000000000000000000000000000000bb' }),
      transfer(10_000_000n, 100n, { status: 'orphaned' }),
    ];
    expect(evaluatePayment(terms(), transfers, 110n).status).toBe('CREATED');
  });

  it('goes back from PENDING to CREATED when its only transfer is orphaned by a reorg', () => {
    expect(evaluatePayment(terms({ status: 'PENDING' }), [transfer(10_000_000n, 100n, { status: 'orphaned' })], 101n).status).toBe('CREATED');
  });

  it('keeps a PAID payment final and sets REORGED when its counted value disappears', () => {
    const evaluation = evaluatePayment(terms({ status: 'PAID' }), [transfer(10_000_000n, 100n, { status: 'orphaned' })], 120n);
    expect(evaluation).toMatchObject({ status: 'PAID', exception: 'REORGED' });
  });

  it('does not count value that arrived after the deadline towards PAID', () => {
    const late = transfer(10_000_000n, 100n, { blockTimestamp: new Date(deadline.getTime() + 1000) });
    expect(evaluatePayment(terms(), [late], 110n).status).toBe('PENDING');
  });

  describe('at the deadline', () => {
    const after = new Date(deadline.getTime() + 1000);
    const grace = 600_000;

    it('keeps a payment before its deadline', () => {
      expect(decideExpiry(terms(), evaluatePayment(terms(), [], 1n), deadline, grace)).toBe('keep');
    });

    it('times out an unpaid payment', () => {
      expect(decideExpiry(terms(), evaluatePayment(terms(), [], 1n), after, grace)).toBe('timeout');
    });

    it('lets a payment paid in time wait for its confirmations, within the grace period only', () => {
      const evaluation = evaluatePayment(terms({ status: 'PENDING' }), [transfer(10_000_000n, 100n)], 100n);
      expect(decideExpiry(terms({ status: 'PENDING' }), evaluation, after, grace)).toBe('wait_for_confirmations');
      expect(decideExpiry(terms({ status: 'PENDING' }), evaluation, new Date(deadline.getTime() + grace + 1), grace)).toBe('timeout');
    });

    it('leaves a payment its transfers make PAID to the watcher, whatever the time', () => {
      const evaluation = evaluatePayment(terms({ status: 'PENDING' }), [transfer(10_000_000n, 100n)], 200n);
      expect(evaluation.status).toBe('PAID');
      expect(decideExpiry(terms({ status: 'PENDING' }), evaluation, new Date(deadline.getTime() + grace + 1), grace)).toBe('wait_for_confirmations');
    });

    it('never touches a final payment', () => {
      expect(decideExpiry(terms({ status: 'CANCELED' }), evaluatePayment(terms(), [], 1n), after, grace)).toBe('keep');
    });
  });

  it('cancels only CREATED payments', () => {
    expect(() => assertCancelable('CREATED')).not.toThrow();
    for (const status of ['PENDING', 'PAID', 'TIMEOUT', 'CANCELED'] as const) {
      expect(() => assertCancelable(status)).toThrow(InvalidStateTransitionError);
    }
  });
});

describe('payment lifecycle with several options (a price paid in any accepted coin)', () => {
  const USDT = { symbol: 'USDT', address: '0x00000000000000000000000000000000000000bb' as const, decimals: 6 };
  const ETH = { symbol: 'ETH', address: null, decimals: 18 };
  const address = '0x00000000000000000000000000000000000000cc' as const;
  const option = (id: string, chainId: number, token: typeof USDC | typeof USDT | typeof ETH, amount: bigint, requiredConfirmations = 3) => ({
    id,
    chainId,
    token,
    amount,
    amountMinimum: amount,
    requiredConfirmations,
    depositAddress: address,
    treasuryAddress: address,
    factoryAddress: address,
    rate: null,
  });
  const options = [option('opt_a', 1, USDC, 25_000_000n), option('opt_b', 2, USDT, 25_000_000n, 2), option('opt_c', 2, ETH, 10n ** 16n, 2)];
  const priced = (overrides: Partial<PaymentTerms> = {}): PaymentTerms =>
    terms({ chainId: 1, token: USDC, amount: 25_000_000n, amountMinimum: 25_000_000n, options, ...overrides });
  const heads = (a: bigint, b: bigint) => new Map([[1, a], [2, b]]);

  it('credits a transfer to the option of its chain and coin, counting confirmations on that chain', () => {
    const onB = [transfer(25_000_000n, 50n, { chainId: 2, tokenAddress: USDT.address })];
    expect(evaluatePayment(priced(), onB, heads(1000n, 50n))).toMatchObject({ status: 'PENDING', option: { id: 'opt_b' } });
    expect(evaluatePayment(priced(), onB, heads(0n, 51n))).toMatchObject({ status: 'PAID', exception: null, option: { id: 'opt_b' } });
  });

  it('never credits a coin to the same token address on another chain', () => {
    const usdtOnChainOne = [transfer(25_000_000n, 50n, { chainId: 1, tokenAddress: USDT.address })];
    expect(evaluatePayment(priced(), usdtOnChainOne, heads(100n, 100n)).status).toBe('CREATED');
  });

  it('pays in native coin on the other chain, exact to the base unit', () => {
    const short = [transfer(10n ** 16n - 1n, 10n, { chainId: 2, tokenAddress: null })];
    expect(evaluatePayment(priced(), short, heads(0n, 20n))).toMatchObject({ status: 'PENDING', option: { id: 'opt_c' } });
    const exact = [transfer(10n ** 16n, 10n, { chainId: 2, tokenAddress: null })];
    expect(evaluatePayment(priced(), exact, heads(0n, 20n))).toMatchObject({ status: 'PAID', exception: null, option: { id: 'opt_c' } });
  });

  it('is PAID with OVERPAID when value arrived in two options and one is fully paid', () => {
    const both = [
      transfer(5_000_000n, 10n, { chainId: 1, tokenAddress: USDC.address }),
      transfer(25_000_000n, 10n, { chainId: 2, tokenAddress: USDT.address }),
    ];
    const evaluation = evaluatePayment(priced(), both, heads(20n, 20n));
    expect(evaluation).toMatchObject({ status: 'PAID', exception: 'OVERPAID', option: { id: 'opt_b' } });
    expect(evaluation.sums.confirmed).toBe(25_000_000n);
  });

  it('keeps a final payment on its option: a reorg of the paying transfer is REORGED, not a switch', () => {
    const paidOnB = priced({ status: 'PAID', chainId: 2, token: USDT });
    expect(evaluatePayment(paidOnB, [transfer(25_000_000n, 10n, { chainId: 1, tokenAddress: USDC.address })], heads(20n, 20n))).toMatchObject({
      status: 'PAID',
      exception: 'REORGED',
      option: { id: 'opt_b' },
    });
  });
});
