import BigNumber from 'bignumber.js';

import { ValidationError } from '../errors';
import { fromBaseUnits, MAX_UINT256, minimumAccepted, sumDecimals, toBaseUnits } from './amounts';

describe('decimal amounts and base units', () => {
  it.each([
    ['25.50', 6, 25_500_000n],
    ['25.5', 6, 25_500_000n],
    ['0.000001', 6, 1n],
    ['1', 18, 10n ** 18n],
    ['1.000000000000000001', 18, 10n ** 18n + 1n],
    ['123456789012345678901234567890.123456', 6, 123456789012345678901234567890123456n],
    ['1.500000', 6, 1_500_000n],
    ['007.1', 6, 7_100_000n],
  ])('converts %s with %i decimals to exact base units', (amount, decimals, expected) => {
    expect(toBaseUnits(amount, decimals)).toBe(expected);
  });

  it.each([
    ['1.0000001', 6, 'has more than 6 decimal places'],
    ['0', 6, 'must be greater than zero'],
    ['0.0', 6, 'must be greater than zero'],
    ['-1', 6, 'must be greater than zero'],
    ['abc', 6, 'must be a decimal string'],
    ['1e6', 6, 'must be a decimal string'],
    ['1,5', 6, 'must be a decimal string'],
    ['.5', 6, 'must be a decimal string'],
    ['5.', 6, 'must be a decimal string'],
    ['', 6, 'must be a decimal string'],
    ['1 000', 6, 'must be a decimal string'],
    ['0x10', 6, 'must be a decimal string'],
    ['  12 ', 6, 'must be a decimal string'],
    ['12\n', 6, 'must be a decimal string'],
  ])('rejects %s naming the field', (amount, decimals, message) => {
    const error = (() => {
      try {
        toBaseUnits(amount, decimals, 'price.amount');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors[0]).toEqual({ field: 'price.amount', message: expect.stringContaining(message) });
  });

  it('refuses amounts beyond uint256', () => {
    expect(() => toBaseUnits((MAX_UINT256 + 1n).toString(), 0)).toThrow('is too large');
    expect(toBaseUnits(MAX_UINT256.toString(), 0)).toBe(MAX_UINT256);
  });

  it('formats base units as the decimal arithmetic of BigNumber does, for any size and decimals', () => {
    const Decimal = BigNumber.clone({ EXPONENTIAL_AT: [-100, 100], DECIMAL_PLACES: 100 });
    let seed = 17;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    for (let i = 0; i < 3000; i++) {
      const digits = Array.from({ length: 1 + random(40) }, (_, position) => String(position === 0 ? 1 + random(9) : random(10))).join('');
      const baseUnits = BigInt(digits) * (random(5) === 0 ? 10n ** BigInt(random(12)) : 1n) * (random(10) === 0 ? -1n : 1n);
      const decimals = random(31);
      expect({ baseUnits, decimals, text: fromBaseUnits(baseUnits, decimals) }).toEqual({
        baseUnits,
        decimals,
        text: new Decimal(baseUnits.toString()).shiftedBy(-decimals).toFixed(),
      });
    }
  });

  it('formats base units back without losing a unit', () => {
    expect(fromBaseUnits(25_500_000n, 6)).toBe('25.5');
    expect(fromBaseUnits(1n, 18)).toBe('0.000000000000000001');
    expect(fromBaseUnits(0n, 6)).toBe('0');
    expect(fromBaseUnits(MAX_UINT256, 18)).toBe('115792089237316195423570985008687907853269984665640564039457.584007913129639935');
  });

  it('applies a tolerance rounding up to a whole base unit', () => {
    expect(minimumAccepted(10_000_000n, '0')).toBe(10_000_000n);
    expect(minimumAccepted(10_000_000n, '1')).toBe(9_900_000n);
    expect(minimumAccepted(3n, '50')).toBe(2n);
    expect(minimumAccepted(1_000_001n, '0.5')).toBe(995_001n);
  });
});

describe('sums of decimal amounts', () => {
  it('adds exactly, where floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumDecimals(['25.5', '1.000000000000000001', '0.000001'])).toBe('26.500001000000000001');
    expect(sumDecimals([])).toBe('0');
  });
});
