import BigNumber from 'bignumber.js';

import { ValidationError } from '../errors';

/** Largest value an EVM `uint256` holds; no token amount can exceed it. */
export const MAX_UINT256 = (1n << 256n) - 1n;

// A private BigNumber constructor, so nobody else's global configuration changes our arithmetic.
const Decimal = BigNumber.clone({ EXPONENTIAL_AT: [-100, 100], DECIMAL_PLACES: 100, ROUNDING_MODE: BigNumber.ROUND_DOWN });

const DECIMAL_STRING = /^\d+(\.\d+)?$/;

/**
 * Converts a decimal amount such as `"25.50"` into base units of a token with `decimals`
 * decimals (`25500000n` for a 6-decimals token).
 *
 * The input must be a plain positive decimal string (no sign, no exponent, no separators, no
 * surrounding spaces).
 *
 * @param amount decimal string, e.g. "25.50"
 * @param decimals the token's `decimals()` (ERC-20) or 18 for the native coin
 * @param field the request field named in errors
 * @returns amount in base units, bigint, > 0 and <= 2^256-1
 * @throws ValidationError naming `field` when the string is not a number, is zero or
 *   negative, has more fractional digits than `decimals`, or exceeds uint256
 */
export function toBaseUnits(amount: string, decimals: number, field = 'amount'): bigint {
  if (typeof amount !== 'string') {
    throw ValidationError.field(field, 'must be a decimal string such as "25.50"');
  }
  // "  12 " is not "12": an amount is exact text, and a client that pads it has a bug to see.
  if (amount.startsWith('-')) {
    throw ValidationError.field(field, 'must be greater than zero');
  }
  if (!DECIMAL_STRING.test(amount)) {
    throw ValidationError.field(field, 'must be a decimal string such as "25.50"');
  }
  const fraction = amount.split('.')[1] ?? '';
  if (fraction.replace(/0+$/, '').length > decimals) {
    throw ValidationError.field(field, `has more than ${decimals} decimal places`);
  }
  const baseUnits = BigInt(new Decimal(amount).shiftedBy(decimals).toFixed(0));
  if (baseUnits === 0n) {
    throw ValidationError.field(field, 'must be greater than zero');
  }
  if (baseUnits > MAX_UINT256) {
    throw ValidationError.field(field, 'is too large');
  }
  return baseUnits;
}

/**
 * Formats base units as a decimal string with no trailing zeros (`25500000n`, 6 -> `"25.5"`).
 * The point is placed in the integer's digits, no arithmetic: exact for any size, and cheap
 * enough for every amount of every payment object a busy chain's events carry.
 *
 * @param baseUnits amount in base units, bigint (a negative one keeps its sign)
 * @param decimals the token's decimals, an integer >= 0
 */
export function fromBaseUnits(baseUnits: bigint, decimals: number): string {
  const sign = baseUnits < 0n ? '-' : '';
  const digits = (baseUnits < 0n ? -baseUnits : baseUnits).toString();
  if (decimals === 0) return sign + digits;
  const padded = digits.padStart(decimals + 1, '0');
  const whole = padded.slice(0, padded.length - decimals);
  const fraction = padded.slice(padded.length - decimals).replace(/0+$/, '');
  return sign + (fraction === '' ? whole : `${whole}.${fraction}`);
}

/**
 * The least confirmed amount that pays a payment: `amount x (1 - tolerance%)`, rounded up
 * to a whole base unit so a tolerance never accepts less than it says.
 *
 * @param amount base units, bigint
 * @param tolerancePercent percentage as a decimal string in [0, 100), e.g. "0.5"
 */
export function minimumAccepted(amount: bigint, tolerancePercent: string): bigint {
  const tolerance = new Decimal(tolerancePercent);
  if (tolerance.isZero()) return amount;
  const accepted = new Decimal(amount.toString())
    .times(new Decimal(100).minus(tolerance))
    .div(100)
    .integerValue(BigNumber.ROUND_CEIL);
  return BigInt(accepted.toFixed(0));
}

/**
 * The exact sum of decimal amounts (`["0.1", "0.2"]` -> `"0.3"`), for totals of amounts in one
 * coin that come as decimal strings (e.g. the same symbol on chains whose tokens have other
 * decimals). Never a float.
 * @param amounts decimal strings, as {@link fromBaseUnits} writes them
 */
export function sumDecimals(amounts: readonly string[]): string {
  return amounts.reduce((total, amount) => total.plus(amount), new Decimal(0)).toFixed();
}
