import { Injectable } from '@nestjs/common';
import { formatUnits, type Address } from 'viem';

import type { ChainConfig, PriceFeedConfig } from '@kassa/config';

import { priceFeedAbi } from '../contracts/abis';
import { ChainRegistry } from '../registry/chain-registry';
import { type ChainClient, createChainClient } from '../rpc/chain-client';
import { describeRpcError } from '../rpc/rpc-endpoints';

/** A coin's price in a pricing currency. */
export interface CoinRate {
  /** Pricing-currency units per one whole coin, exact decimal string (e.g. "2500", "1", "1834.12345678"). */
  value: string;
  /** ISO 4217-style code, e.g. "USD". */
  pricingCurrency: string;
  /** 'peg': a stablecoin configured as pegged 1:1; 'price_feed': read from a Chainlink-style aggregator. */
  source: 'peg' | 'price_feed';
  /** The aggregator contract (price_feed), else null. */
  feedAddress: Address | null;
  /** The feed round's updatedAt (price_feed), else null. */
  updatedAt: Date | null;
}

/** The answer of {@link RateSource.rate}: a rate, or why there is none (a sentence safe to show a merchant). */
export type RateLookup = { available: true; rate: CoinRate } | { available: false; reason: string };

/** One round of a Chainlink-style aggregator, as `latestRoundData` answers it. */
export interface FeedRound {
  roundId: bigint;
  /** Price in feed units (answer / 10^decimals is the price). */
  answer: bigint;
  /** Unix seconds; 0 when the round never completed. */
  updatedAt: bigint;
  answeredInRound: bigint;
}

/**
 * Judges one aggregator round, following Chainlink's guidance for consumers of
 * AggregatorV3Interface: a price must be positive, the round must have completed
 * (`updatedAt` not 0), must carry its own answer (`answeredInRound >= roundId`, not one left
 * over from an earlier round) and must be recent (`updatedAt` at most `maxAgeSeconds` before
 * `now`, the feed's heartbeat plus margin as the operator configures it). A round dated more
 * than `maxAgeSeconds` after `now` is refused too: the feed or the clock is broken.
 *
 * @param label what the feed prices, for the reason, e.g. "ETH/USD"
 * @returns null when the round can be used, else the reason it cannot
 */
export function roundProblem(round: FeedRound, maxAgeSeconds: number, now: Date, label: string): string | null {
  if (round.answer <= 0n) return `the ${label} price feed answered ${round.answer}, which is not a price`;
  if (round.updatedAt === 0n) return `the ${label} price feed has no completed round`;
  if (round.answeredInRound < round.roundId) {
    return `the ${label} price feed's round ${round.roundId} carries the answer of the earlier round ${round.answeredInRound}`;
  }
  const ageSeconds = BigInt(Math.floor(now.getTime() / 1000)) - round.updatedAt;
  if (ageSeconds > BigInt(maxAgeSeconds)) {
    return `the ${label} price feed is stale: last updated ${unixTime(round.updatedAt)}, more than ${maxAgeSeconds} s ago`;
  }
  if (-ageSeconds > BigInt(maxAgeSeconds)) {
    return `the ${label} price feed's round is dated ${unixTime(round.updatedAt)}, in the future`;
  }
  return null;
}

/**
 * Prices of the configured coins in a pricing currency (docs/pricing.md "Rates", DESIGN.md
 * "Price and the customer's choice of coin"): a token pegged to the pricing currency quotes
 * exactly 1; any other coin quotes through the chain's configured Chainlink-style price
 * feed, read with viem over the chain's RPC URLs (rotating as the watcher does). A rate that
 * cannot be trusted (stale, not positive, unreadable) is unavailable, never approximated.
 *
 * Feed `decimals` are read once per feed and kept; rounds are read on every call.
 */
@Injectable()
export class RateSource {
  private readonly clients = new Map<number, ChainClient>();
  /** Feed decimals by `chainId:address` (lower case); they never change for a deployed aggregator. */
  private readonly feedDecimals = new Map<string, number>();
  /** Reads of a feed's latest round under way, by `chainId:address` (lower case). */
  private readonly reading = new Map<string, Promise<{ decimals: number; round: FeedRound }>>();

  constructor(private readonly chains: ChainRegistry) {}

  /**
   * The price of one whole `currency` in `pricingCurrency` on chain `chainId`.
   *
   * @param currency token or native symbol of the chain, case-insensitive, e.g. "eth"
   * @param pricingCurrency ISO 4217-style code, case-insensitive, e.g. "USD"
   * @param now the moment the rate's freshness is judged against; default the current time
   * @returns the rate, or unavailable with the reason: unknown chain or coin, neither peg nor
   *   feed, a round {@link roundProblem} refuses, or a feed that cannot be read (RPC failure
   *   or timeout, no contract at the address)
   * Never throws for RPC failures.
   */
  async rate(chainId: number, currency: string, pricingCurrency: string, now: Date = new Date()): Promise<RateLookup> {
    const chain = this.chains.find(chainId);
    if (!chain) return unavailable(`chain ${chainId} is not configured`);
    const symbol = currency.toUpperCase();
    const quote = pricingCurrency.toUpperCase();
    const coin = this.chains.currenciesOf(chain).find((candidate) => candidate.symbol.toUpperCase() === symbol);
    if (!coin) return unavailable(`'${currency}' is not a coin of chain ${chainId}`);

    const token = chain.tokens.find((candidate) => candidate.symbol.toUpperCase() === symbol);
    if (token?.peggedTo === quote) {
      return { available: true, rate: { value: '1', pricingCurrency: quote, source: 'peg', feedAddress: null, updatedAt: null } };
    }
    const feed = chain.priceFeeds.find((candidate) => candidate.currency.toUpperCase() === symbol && candidate.pricingCurrency === quote);
    if (!feed) return unavailable(`no ${coin.symbol}/${quote} price feed is configured on chain ${chainId}, and ${coin.symbol} is not pegged to ${quote}`);
    return this.readFeed(chain, feed, `${coin.symbol}/${quote}`, now);
  }

  private async readFeed(chain: ChainConfig, feed: PriceFeedConfig, label: string, now: Date): Promise<RateLookup> {
    let decimals: number;
    let round: FeedRound;
    try {
      ({ decimals, round } = await withTimeout(this.latestRound(chain, feed.address), FEED_READ_TIMEOUT_MS));
    } catch (error) {
      return unavailable(`the ${label} price feed at ${feed.address} could not be read: ${describeRpcError(error).replace(/\s+/g, ' ')}`);
    }
    const problem = roundProblem(round, feed.maxAgeSeconds, now, label);
    if (problem) return unavailable(problem);
    return {
      available: true,
      rate: {
        value: formatUnits(round.answer, decimals),
        pricingCurrency: feed.pricingCurrency,
        source: 'price_feed',
        feedAddress: feed.address,
        updatedAt: new Date(Number(round.updatedAt) * 1000),
      },
    };
  }

  /**
   * The feed's decimals and latest round. Concurrent reads of one feed share one request
   * (a burst of priced payments costs one read per feed, not one per payment); nothing is
   * kept once it is answered, so every later call sees the feed's current round.
   */
  private latestRound(chain: ChainConfig, address: Address): Promise<{ decimals: number; round: FeedRound }> {
    const key = `${chain.chainId}:${address.toLowerCase()}`;
    const inFlight = this.reading.get(key);
    if (inFlight) return inFlight;
    const client = this.client(chain);
    const read = (async () => {
      // Sent together: the client batches both calls into one HTTP request.
      const [decimals, [roundId, answer, , updatedAt, answeredInRound]] = await Promise.all([
        this.decimalsOf(client, chain.chainId, address),
        client.readContract({ address, abi: priceFeedAbi, functionName: 'latestRoundData' }),
      ]);
      return { decimals, round: { roundId, answer, updatedAt, answeredInRound } };
    })().finally(() => this.reading.delete(key));
    this.reading.set(key, read);
    return read;
  }

  private async decimalsOf(client: ChainClient, chainId: number, address: Address): Promise<number> {
    const key = `${chainId}:${address.toLowerCase()}`;
    const known = this.feedDecimals.get(key);
    if (known !== undefined) return known;
    const decimals = await client.readContract({ address, abi: priceFeedAbi, functionName: 'decimals' });
    this.feedDecimals.set(key, decimals);
    return decimals;
  }

  private client(chain: ChainConfig): ChainClient {
    let client = this.clients.get(chain.chainId);
    if (!client) {
      // One retry on the same URL, then the next URL: a rate read is one short call, and an
      // unavailable rate is the safe answer when the chain does not respond.
      client = createChainClient(chain, { retryCount: 1, retryDelayMs: 100 });
      this.clients.set(chain.chainId, client);
    }
    return client;
  }
}

/**
 * How long a rate read may take before the coin is unavailable: creating a priced payment
 * waits for its rates, and a chain whose node hangs must not hold up the other coins.
 */
export const FEED_READ_TIMEOUT_MS = 3000;

/** `promise`, or a rejection after `ms` milliseconds. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function unavailable(reason: string): RateLookup {
  return { available: false, reason };
}

/** Unix seconds as ISO 8601 UTC; a value beyond what a Date holds is printed as the number. */
function unixTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${seconds} (unix seconds)`;
}
