import { formatWatchedPaymentNotice, parseWatchedPaymentNotice } from './watched-payments-channel';

describe('the kassa_payments notification payload', () => {
  const address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

  it('round-trips chain id, deposit address and payment id', () => {
    const payload = formatWatchedPaymentNotice({ chainId: 31337, depositAddress: address, paymentId: 'pay_01JD3Q5Z7Y8X9W0V1T2S3R4Q5P' });
    expect(payload).toBe(`31337:${address}:pay_01JD3Q5Z7Y8X9W0V1T2S3R4Q5P`);
    expect(parseWatchedPaymentNotice(payload)).toEqual({ chainId: 31337, depositAddress: address, paymentId: 'pay_01JD3Q5Z7Y8X9W0V1T2S3R4Q5P' });
  });

  it('carries whether the payment accepts the native coin there (n) or tokens only (t)', () => {
    const native = formatWatchedPaymentNotice({ chainId: 8453, depositAddress: address, paymentId: 'pay_1', acceptsNative: true });
    const tokens = formatWatchedPaymentNotice({ chainId: 8453, depositAddress: address, paymentId: 'pay_2', acceptsNative: false });

    expect([native, tokens]).toEqual([`8453:${address}:pay_1:n`, `8453:${address}:pay_2:t`]);
    expect(parseWatchedPaymentNotice(native)).toEqual({ chainId: 8453, depositAddress: address, paymentId: 'pay_1', acceptsNative: true });
    expect(parseWatchedPaymentNotice(tokens)).toMatchObject({ acceptsNative: false });
    expect(parseWatchedPaymentNotice(`8453:${address}:pay_3:x`)).toBeNull();
  });

  it('accepts the short form without payment id', () => {
    expect(parseWatchedPaymentNotice(`1:${address.toLowerCase()}`)).toEqual({ chainId: 1, depositAddress: address.toLowerCase() });
  });

  it.each(['', '1', `x:${address}`, `0:${address}`, '1:0x1234', `1:${address}:`, `1:${address}:pay_1:extra`, `-1:${address}`])(
    'rejects the malformed payload %j',
    (payload) => {
      expect(parseWatchedPaymentNotice(payload)).toBeNull();
    },
  );
});
