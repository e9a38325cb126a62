import { testPriceFeedAbi } from '@kassa/chain';
import { nodeRequest } from '@kassa/testing';

import type { CurrencyObject as Currency } from '../../apps/api/src/currencies/dto/currency.response';
import { useTestKassa } from '@kassa/testing/scenario';

/**
 * A merchant asks which coins it can accept and what they are worth (docs/api.md
 * "Currencies"): stablecoins at their USD peg, ETH at the chain's price feed, and a feed
 * gone stale shows ETH as unavailable rather than at an old price.
 */
describe('GET /v1/currencies', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });

  const currencies = (query = '') => kassa.request<{ object: string; data: Currency[] }>('GET', `/v1/currencies${query}`);

  it('lists the native coin, then every token, with the USD rate of each', async () => {
    const { chain } = kassa;
    const response = await currencies();
    expect(response.status).toBe(200);
    expect(response.body.object).toBe('list');
    const { chainId, name } = chain.config;
    const pegged = { pricingCurrency: 'USD', available: true, value: '1', source: 'peg', feedAddress: null, updatedAt: null };
    expect(response.body.data).toEqual([
      {
        chainId,
        network: name,
        currency: 'ETH',
        token: { address: null, decimals: 18 },
        native: true,
        peggedTo: null,
        rates: [
          {
            pricingCurrency: 'USD',
            available: true,
            value: '2500',
            source: 'price_feed',
            feedAddress: chain.contracts.priceFeeds.ETH,
            updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) as unknown,
          },
        ],
      },
      { chainId, network: name, currency: 'USDC', token: { address: chain.contracts.tokens.USDC, decimals: 6 }, native: false, peggedTo: 'USD', rates: [pegged] },
      { chainId, network: name, currency: 'DAI', token: { address: chain.contracts.tokens.DAI, decimals: 18 }, native: false, peggedTo: 'USD', rates: [pegged] },
      { chainId, network: name, currency: 'USDT', token: { address: chain.contracts.tokens.USDT, decimals: 6 }, native: false, peggedTo: 'USD', rates: [pegged] },
    ]);
  });

  it('shows a coin with no rate in the pricing currency asked for as unavailable, with the reason', async () => {
    const response = await currencies('?pricingCurrency=EUR');
    expect(response.status).toBe(200);
    const usdc = response.body.data.find((coin) => coin.currency === 'USDC')!;
    expect(usdc.rates).toEqual([
      { pricingCurrency: 'EUR', available: false, reason: `no USDC/EUR price feed is configured on chain ${kassa.chain.config.chainId}, and USDC is not pegged to EUR` },
    ]);
  });

  it('refuses a pricing currency that is not a 3-letter code, naming the field', async () => {
    for (const query of ['?pricingCurrency=usd', '?pricingCurrency=DOLLARS']) {
      const response = await kassa.request<{ status: number; code: string; errors: { field: string }[] }>('GET', `/v1/currencies${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'pricingCurrency' }] });
    }
  });

  it('answers 401 without an API key, and 403 to a key without the read scope', async () => {
    const response = await fetch(`${kassa.apiUrl}/v1/currencies`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');

    const writeOnly = await kassa.request<{ key: string }>('POST', '/v1/api-keys', { name: 'writer', scopes: ['write'] });
    expect(writeOnly.status).toBe(201);
    const forbidden = await kassa.request('GET', '/v1/currencies', undefined, { authorization: `Bearer ${writeOnly.body.key}` });
    expect(forbidden.status).toBe(403);
  });

  it('shows ETH as unavailable once its price feed is stale, and available again after a fresh round', async () => {
    const { chain } = kassa;
    const feed = chain.contracts.priceFeeds.ETH;
    const maxAge = chain.config.priceFeeds[0]!.maxAgeSeconds;
    const head = await chain.publicClient.getBlock();
    const updatedAt = head.timestamp - BigInt(maxAge) - 60n;
    const write = async (hash: Promise<`0x${string}`>) => {
      expect((await chain.publicClient.waitForTransactionReceipt({ hash: await hash })).status).toBe('success');
    };
    // The feed is put back as deployed afterwards: the other tests read its first answer.
    const snapshot = await nodeRequest(chain.publicClient, 'evm_snapshot');
    try {
      await write(chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setRound', args: [2600_00000000n, updatedAt] }));
      const stale = (await currencies()).body.data.find((coin) => coin.currency === 'ETH')!;
      expect(stale.rates).toEqual([
        {
          pricingCurrency: 'USD',
          available: false,
          reason: `the ETH/USD price feed is stale: last updated ${new Date(Number(updatedAt) * 1000).toISOString()}, more than ${maxAge} s ago`,
        },
      ]);

      await write(chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnswer', args: [2612_50000000n] }));
      const fresh = (await currencies()).body.data.find((coin) => coin.currency === 'ETH')!;
      expect(fresh.rates).toEqual([expect.objectContaining({ available: true, value: '2612.5', source: 'price_feed' })]);
    } finally {
      expect(await nodeRequest(chain.publicClient, 'evm_revert', [snapshot])).toBe(true);
    }
  });
});
