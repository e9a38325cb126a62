import { fromBaseUnits } from '../money/amounts';
import { asMerchantId } from '../payments/payment';
import { paymentSettlementOf, toSettlementObject, type PaymentSettlementState } from './settlement';

const settledAt = new Date('2026-11-21T12:00:00Z');
const state = (overrides: Partial<PaymentSettlementState>): PaymentSettlementState => ({
  latest: null,
  hasValue: true,
  hasUnsettledValue: true,
  mode: 'immediate',
  ...overrides,
});

describe("the payment object's settlement", () => {
  it('is null while the payment is open, and for a final payment that never received anything', () => {
    expect(paymentSettlementOf('PENDING', state({}))).toBeNull();
    expect(paymentSettlementOf('TIMEOUT', state({ hasValue: false, hasUnsettledValue: false }))).toBeNull();
  });

  it('is unsettled while paid value waits, pending in flight, settled once moved', () => {
    expect(paymentSettlementOf('PAID', state({}))).toEqual({ status: 'unsettled', id: null, txHash: null, settledAt: null });
    expect(paymentSettlementOf('PAID', state({ latest: { id: 'stl_1', status: 'pending', txHash: '0xab', settledAt: null } }))).toEqual({
      status: 'pending',
      id: 'stl_1',
      txHash: '0xab',
      settledAt: null,
    });
    expect(
      paymentSettlementOf('PAID', state({ hasUnsettledValue: false, latest: { id: 'stl_1', status: 'settled', txHash: '0xab', settledAt } })),
    ).toEqual({ status: 'settled', id: 'stl_1', txHash: '0xab', settledAt: settledAt.toISOString() });
  });

  it('is unsettled again when a late transfer arrives after the settlement', () => {
    const latest = { id: 'stl_1', status: 'settled' as const, txHash: '0xab' as const, settledAt };
    expect(paymentSettlementOf('PAID', state({ latest }))?.status).toBe('unsettled');
  });

  it('is off under an off policy unless something was already settled and nothing new waits', () => {
    expect(paymentSettlementOf('PAID', state({ mode: 'off' }))?.status).toBe('off');
    const latest = { id: 'stl_1', status: 'settled' as const, txHash: null, settledAt };
    expect(paymentSettlementOf('TIMEOUT', state({ mode: 'off', latest, hasUnsettledValue: false }))?.status).toBe('settled');
  });

  it('is failed after a failed attempt', () => {
    expect(paymentSettlementOf('PAID', state({ latest: { id: 'stl_2', status: 'failed', txHash: '0xcd', settledAt: null } }))?.status).toBe('failed');
  });
});

describe('the settlement object', () => {
  it('shows amounts as decimal and integer strings and the fee of the whole transaction in wei', () => {
    const object = toSettlementObject({
      id: 'stl_1',
      merchantId: asMerchantId('mer_1'),
      paymentId: 'pay_1',
      chainId: 31337,
      depositAddress: '0x00000000000000000000000000000000000000d1',
      treasuryAddress: '0x00000000000000000000000000000000000000e1',
      status: 'settled',
      amounts: [{ token: { symbol: 'USDC', address: '0x00000000000000000000000000000000000000c1', decimals: 6 }, amount: 25_500_000n }],
      transaction: { hash: '0xab', nonce: 4, blockNumber: 42n, gasUsed: 110_000n, effectiveGasPrice: 2_000_000_000n, batchSize: 3 },
      error: null,
      createdAt: settledAt,
      settledAt,
    });
    expect(object.amounts).toEqual([
      { currency: 'USDC', token: { address: '0x00000000000000000000000000000000000000c1', decimals: 6 }, amount: fromBaseUnits(25_500_000n, 6), amountBaseUnits: '25500000' },
    ]);
    expect(object.transaction).toEqual({
      hash: '0xab',
      nonce: 4,
      blockNumber: '42',
      gasUsed: '110000',
      effectiveGasPrice: '2000000000',
      fee: '220000000000000',
      batchSize: 3,
    });
  });
});
