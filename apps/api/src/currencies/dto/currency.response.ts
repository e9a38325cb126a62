import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import type { RateLookup } from '@kassa/chain';

/** One rate of a coin in the pricing currency, as the API shows it: the rate, or why there is none. */
export type CurrencyRate =
  | {
      pricingCurrency: string;
      available: true;
      value: string;
      source: 'peg' | 'price_feed';
      feedAddress: string | null;
      /** ISO 8601 UTC, or null for a peg. */
      updatedAt: string | null;
    }
  | { pricingCurrency: string; available: false; reason: string };

/** One coin a merchant can accept, in `GET /v1/currencies`. */
export interface CurrencyObject {
  chainId: number;
  network: string;
  currency: string;
  token: { address: string | null; decimals: number };
  native: boolean;
  peggedTo: string | null;
  rates: CurrencyRate[];
}

/**
 * Maps a rate lookup to its API form (dates as ISO 8601 UTC).
 * @param pricingCurrency the code asked for, shown also when there is no rate
 */
export function toCurrencyRate(pricingCurrency: string, lookup: RateLookup): CurrencyRate {
  if (!lookup.available) return { pricingCurrency, available: false, reason: lookup.reason };
  const { rate } = lookup;
  return {
    pricingCurrency: rate.pricingCurrency,
    available: true,
    value: rate.value,
    source: rate.source,
    feedAddress: rate.feedAddress,
    updatedAt: rate.updatedAt?.toISOString() ?? null,
  };
}

/** OpenAPI description of a coin's rate: `value`, `source`, `feedAddress`, `updatedAt` when available, else `reason`. */
export class CurrencyRateResponse {
  @ApiProperty({ example: 'USD' }) pricingCurrency!: string;
  @ApiProperty({ description: 'false when the rate is missing or cannot be trusted (stale, not positive, feed unreadable): the coin cannot be quoted in this pricing currency now.' })
  available!: boolean;
  @ApiPropertyOptional({ example: '2500', description: 'Pricing-currency units per one whole coin, exact decimal string. Only when available.' })
  value?: string;
  @ApiPropertyOptional({ enum: ['peg', 'price_feed'], description: 'peg: a stablecoin pegged 1:1 to the pricing currency; price_feed: read from a Chainlink-style aggregator. Only when available.' })
  source?: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9', description: 'The aggregator read (price_feed), null for a peg. Only when available.' })
  feedAddress?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'When the feed round was updated (price_feed), null for a peg. Only when available.' })
  updatedAt?: string | null;
  @ApiPropertyOptional({ example: 'the ETH/USD price feed is stale: last updated 2026-01-01T00:00:00.000Z, more than 3600 s ago', description: 'Why there is no rate. Only when not available.' })
  reason?: string;
}

/** OpenAPI description of a coin's token: contract address (null for the native coin) and decimals. */
export class CurrencyTokenResponse {
  @ApiProperty({ nullable: true, type: String, example: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' }) address!: string | null;
  @ApiProperty({ example: 6 }) decimals!: number;
}

/** OpenAPI description of one coin a merchant can accept. */
export class CurrencyResponse {
  @ApiProperty({ example: 31337 }) chainId!: number;
  @ApiProperty({ example: 'Hardhat (local)', description: 'The chain\'s name.' }) network!: string;
  @ApiProperty({ example: 'USDC', description: 'Symbol to pass as a payment\'s `currency`.' }) currency!: string;
  @ApiProperty({ type: CurrencyTokenResponse }) token!: CurrencyTokenResponse;
  @ApiProperty({ description: 'The chain\'s own coin (e.g. ETH) rather than an ERC-20 token.' }) native!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'USD', description: 'The pricing currency the token is pegged to 1:1, if any.' }) peggedTo!: string | null;
  @ApiProperty({ type: [CurrencyRateResponse], description: 'The coin\'s rate in the pricing currency asked for.' }) rates!: CurrencyRateResponse[];
}

/** OpenAPI description of `GET /v1/currencies`. */
export class CurrencyListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [CurrencyResponse] }) data!: CurrencyResponse[];
}
