import { paymentFixture, publicPaymentOf, transferFixture } from './testing/public-payment.fixture';

describe('the public view of a payment', () => {
  it('shows what to pay and where, and nothing of the merchant\'s own data', () => {
    const payment = paymentFixture();
    const view = publicPaymentOf(payment);
    expect(view).toMatchObject({
      id: payment.id,
      status: 'CREATED',
      merchantName: 'Demo Shop',
      amount: '25.5',
      amountBaseUnits: '25500000',
      currency: 'USDC',
      networkName: 'Hardhat (local)',
      depositAddress: payment.depositAddress,
      amountRemaining: '25.5',
      confirmations: null,
      redirectUrl: null,
    });
    expect(view.remainingPaymentUri).toBe(view.paymentUri);
    const json = JSON.stringify(view);
    expect(json).not.toContain('secret-crm-77');
    expect(json).not.toContain('metadata');
    expect(json).not.toContain(payment.treasuryAddress);
    expect(json).not.toContain('shop.example');
  });

  it('counts a transfer waiting for confirmations as sent: nothing remains, confirmations 1 of 2', () => {
    const payment = paymentFixture({ status: 'PENDING' });
    const view = publicPaymentOf(payment, [transferFixture(payment, 25_500_000n, 10n)], 10n);
    expect(view).toMatchObject({ amountSeen: '25.5', amountReceived: '0', amountRemaining: '0', confirmations: 1, requiredConfirmations: 2 });
    expect(view.remainingPaymentUri).toBeNull();
  });

  it('tells an underpaying customer how much is still missing, with a payment URI for the rest', () => {
    const payment = paymentFixture({ status: 'PENDING', amountReceived: 10_000_000n });
    const view = publicPaymentOf(payment, [transferFixture(payment, 10_000_000n, 10n)], 12n);
    expect(view).toMatchObject({ amountSeen: '10', amountRemaining: '15.5', amountRemainingBaseUnits: '15500000', confirmations: 3 });
    expect(view.remainingPaymentUri).toBe(`ethereum:${payment.token.address}@31337/transfer?address=${payment.depositAddress}&uint256=15500000`);
  });

  it('ignores orphaned transfers and transfers of another token', () => {
    const payment = paymentFixture({ status: 'PENDING' });
    const view = publicPaymentOf(payment, [
      transferFixture(payment, 5_000_000n, 10n, { status: 'orphaned' }),
      transferFixture(payment, 7_000_000n, 11n, { tokenAddress: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' }),
    ], 11n);
    expect(view).toMatchObject({ amountSeen: '0', amountRemaining: '25.5', confirmations: null, transactions: [] });
  });

  it('gives a paid payment its receipt and the way back to the shop', () => {
    const paidAt = new Date('2026-11-21T22:44:13Z');
    const payment = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt });
    const transfer = transferFixture(payment, 25_500_000n, 10n);
    const view = publicPaymentOf(payment, [transfer], 11n);
    expect(view.transactions).toEqual([{ txHash: transfer.txHash, amount: '25.5', amountBaseUnits: '25500000', confirmations: 2 }]);
    expect(view.paidAt).toBe('2026-11-21T22:44:13.000Z');
    expect(view.redirectUrl).toBe(`https://shop.example/thanks?lang=de&payment_id=${payment.id}&order_id=1001`);
    expect(view.remainingPaymentUri).toBeNull();
  });
});
