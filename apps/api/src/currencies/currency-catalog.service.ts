import { Injectable } from '@nestjs/common';

import { ChainRegistry, RateSource } from '@kassa/chain';

import { type CurrencyObject, toCurrencyRate } from './dto/currency.response';

/**
 * The coins a merchant can accept (DESIGN.md "Price and the customer's choice of coin":
 * `GET /v1/currencies`), each with its rate in a pricing currency.
 *
 * Every configured chain is listed: a merchant always has a default treasury, which serves
 * every chain without a treasury of its own (`treasuryForChain`), so any chain can take its
 * payments.
 */
@Injectable()
export class CurrencyCatalog {
  constructor(
    private readonly chains: ChainRegistry,
    private readonly rates: RateSource,
  ) {}

  /**
   * Every coin of every configured chain, chains in configuration order, each chain's native
   * coin first and then its tokens, with its rate in `pricingCurrency`. Rates are read
   * concurrently; a rate that cannot be had is listed as unavailable with the reason.
   *
   * @param pricingCurrency ISO 4217-style code, e.g. "USD"
   * @param now the moment rates are judged fresh against; default the current time
   */
  async list(pricingCurrency: string, now: Date = new Date()): Promise<CurrencyObject[]> {
    const coins = this.chains.coins().map(({ chain, token: coin }) => ({
      chain,
      coin,
      peggedTo: (coin.address !== null && chain.tokens.find((token) => token.address === coin.address)?.peggedTo) || null,
    }));
    const lookups = await Promise.all(coins.map(({ chain, coin }) => this.rates.rate(chain.chainId, coin.symbol, pricingCurrency, now)));
    return coins.map(({ chain, coin, peggedTo }, index) => ({
      chainId: chain.chainId,
      network: chain.name,
      currency: coin.symbol,
      token: { address: coin.address, decimals: coin.decimals },
      native: coin.address === null,
      peggedTo,
      rates: [toCurrencyRate(pricingCurrency, lookups[index]!)],
    }));
  }
}
