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
      expect(decideExpiry(terms(), evaluatePayment(terms(), [], 1n).sums, deadline, grace)).toBe('keep');
    });

    it('times out an unpaid payment', () => {
      expect(decideExpiry(terms(), evaluatePayment(terms(), [], 1n).sums, after, grace)).toBe('timeout');
    });

    it('lets a payment paid in time wait for its confirmations, within the grace period only', () => {
      const sums = evaluatePayment(terms({ status: 'PENDING' }), [transfer(10_000_000n, 100n)], 100n).sums;
      expect(decideExpiry(terms({ status: 'PENDING' }), sums, after, grace)).toBe('wait_for_confirmations');
      expect(decideExpiry(terms({ status: 'PENDING' }), sums, new Date(deadline.getTime() + grace + 1), grace)).toBe('timeout');
    });

    it('never touches a final payment', () => {
      expect(decideExpiry(terms({ status: 'CANCELED' }), evaluatePayment(terms(), [], 1n).sums, after, grace)).toBe('keep');
    });
  });

  it('cancels only CREATED payments', () => {
    expect(() => assertCancelable('CREATED')).not.toThrow();
    for (const status of ['PENDING', 'PAID', 'TIMEOUT', 'CANCELED'] as const) {
      expect(() => assertCancelable(status)).toThrow(InvalidStateTransitionError);
    }
  });
});
