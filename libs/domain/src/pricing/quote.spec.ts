import fc from 'fast-check';

import { parsePriceAmount, quoteBaseUnits } from './quote';

describe('quoting a price in a coin', () => {
  it('quotes pegged stablecoins 1:1, exact for 6 and 18 decimals', () => {
    expect(quoteBaseUnits('25.00', '1', 6)).toBe(25_000_000n);
    expect(quoteBaseUnits('25.00', '1', 18)).toBe(25n * 10n ** 18n);
    expect(quoteBaseUnits('0.01', '1', 6)).toBe(10_000n);
  });

  it('divides by the rate and rounds up to the next base unit, never down', () => {
    expect(quoteBaseUnits('25.00', '2500', 18)).toBe(10n ** 16n); // 0.01 ETH exactly
    // 25 / 3000 = 0.008333... ETH: rounded up in the last wei
    expect(quoteBaseUnits('25', '3000', 18)).toBe(8_333_333_333_333_334n);
    expect(quoteBaseUnits('25', '1834.12345678', 18)).toBe(13_630_489_216_843_765n) // ceil(25 x 10^18 / 1834.12345678);
  });

  it('never asks for less than the price, nor a whole base unit more', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 14n }), fc.integer({ min: 0, max: 18 }), (cents, rateUnits, decimals) => {
        const price = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
        const rate = `${rateUnits / 10n ** 8n}.${(rateUnits % 10n ** 8n).toString().padStart(8, '0')}`;
        const amount = quoteBaseUnits(price, rate, decimals);
        // amount x rate >= price > (amount - 1) x rate, compared as integers scaled by 10^(decimals + 8) x 100
        const worth = amount * rateUnits * 100n;
        const asked = cents * 10n ** BigInt(decimals + 8);
        expect(worth >= asked).toBe(true);
        expect((amount - 1n) * rateUnits * 100n < asked || amount === 1n).toBe(true);
      }),
    );
  });


  it('accepts prices with up to 18 decimals and refuses others naming the field', () => {
    expect(parsePriceAmount('25.00')).toBe('25.00');
    expect(() => parsePriceAmount(' 25.00 ')).toThrow(/price.amount/);
    expect(() => parsePriceAmount('0')).toThrow(/price.amount/);
    expect(() => parsePriceAmount('1e3')).toThrow(/price.amount/);
    expect(() => parsePriceAmount(`0.${'1'.repeat(19)}`)).toThrow(/price.amount/);
  });
});
