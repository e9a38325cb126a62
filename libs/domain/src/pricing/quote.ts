import { MAX_UINT256, toBaseUnits } from '../money/amounts';

/** Most fractional digits a price may have (the finest unit of any pricing currency Kassa quotes). */
export const PRICE_MAX_DECIMALS = 18;

/** A decimal string as an integer and its scale: "25.10" -> { digits: 2510n, scale: 2 }. */
function scaled(decimal: string): { digits: bigint; scale: number } {
  const [whole, fraction = ''] = decimal.split('.');
  return { digits: BigInt(`${whole}${fraction}`), scale: fraction.length };
}

/**
 * Checks a price amount (`price.amount` of `POST /v1/payments`): a plain positive decimal
 * string with at most {@link PRICE_MAX_DECIMALS} fractional digits.
 * @returns the amount as given
 * @throws ValidationError naming `field` for anything else
 */
export function parsePriceAmount(amount: string, field = 'price.amount'): string {
  toBaseUnits(amount, PRICE_MAX_DECIMALS, field);
  return amount;
}

/**
 * The amount of a coin that pays a price at a rate (DESIGN.md "Price and the customer's
 * choice of coin"), exact to the base unit: price / rate, in base units of a coin with
 * `decimals` decimals, rounded UP, so the merchant never receives less than the price.
 * A pegged stablecoin has rate "1": "25.00" USD is 25,000,000 base units of a 6-decimals
 * token and 25 x 10^18 of an 18-decimals one.
 *
 * Integer arithmetic only: with price = p / 10^a and rate = r / 10^b, the amount is
 * ceil(p x 10^b x 10^decimals / (r x 10^a)).
 *
 * @param price decimal string in the pricing currency, e.g. "25.00"
 * @param rate decimal string: pricing-currency units per whole coin, > 0, e.g. "2500"
 * @param decimals the coin's decimals (ERC-20 `decimals()`, 18 for the native coin)
 * @returns base units, bigint >= 1
 * @throws RangeError when the rate is not a positive decimal, or the amount exceeds uint256
 */
export function quoteBaseUnits(price: string, rate: string, decimals: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(price) || !/^\d+(\.\d+)?$/.test(rate)) throw new RangeError(`price ${price} and rate ${rate} must be plain decimals`);
  const p = scaled(price);
  const r = scaled(rate);
  if (r.digits === 0n) throw new RangeError('a rate must be greater than zero');
  const numerator = p.digits * 10n ** BigInt(r.scale + decimals);
  const denominator = r.digits * 10n ** BigInt(p.scale);
  const amount = (numerator + denominator - 1n) / denominator;
  if (amount > MAX_UINT256) throw new RangeError(`${price} at ${rate} exceeds uint256 base units`);
  return amount === 0n ? 1n : amount;
}
