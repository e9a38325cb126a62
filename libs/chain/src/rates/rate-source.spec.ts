import type { Address } from 'viem';

import { type LocalChain, startLocalChain } from '@kassa/chain';
import { nodeRequest, startRpcProxy, type RpcProxy } from '@kassa/testing';

import { testPriceFeedAbi } from '../contracts/abis';
import { ChainRegistry } from '../registry/chain-registry';
import { FEED_READ_TIMEOUT_MS, RateSource, type RateLookup } from './rate-source';

/**
 * What a merchant's prices are converted with: stablecoins at their peg, ETH at the local
 * chain's Chainlink-style ETH / USD feed, and nothing at all when the feed cannot be trusted
 * (docs/pricing.md "Rates").
 */
describe('rate source', () => {
  let chain: LocalChain;
  let feed: Address;
  let rates: RateSource;
  const maxAge = () => chain.config.priceFeeds[0]!.maxAgeSeconds;

  beforeAll(async () => {
    chain = await startLocalChain();
    feed = chain.contracts.priceFeeds.ETH;
    rates = new RateSource(new ChainRegistry([chain.config]));
  });

  afterAll(async () => {
    await chain?.stop();
  });

  // Each test starts from the feed as deployed: the node's state is restored after it.
  let snapshot: unknown;
  beforeEach(async () => {
    snapshot = await nodeRequest(chain.publicClient, 'evm_snapshot');
  });
  afterEach(async () => {
    expect(await nodeRequest(chain.publicClient, 'evm_revert', [snapshot])).toBe(true);
  });

  const setAnswer = (answer: bigint) =>
    chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnswer', args: [answer] }).then(chain.minedAt);
  const setRound = (answer: bigint, updatedAt: bigint) =>
    chain.deployer
      .writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setRound', args: [answer, updatedAt] })
      .then(chain.minedAt);
  const at = (unixSeconds: bigint) => new Date(Number(unixSeconds) * 1000);

  function reasonOf(lookup: RateLookup): string {
    if (lookup.available) throw new Error(`Expected no rate, got ${JSON.stringify(lookup.rate)}`);
    return lookup.reason;
  }

  it('quotes a stablecoin pegged to the pricing currency at exactly 1, without reading a feed', async () => {
    for (const currency of ['USDC', 'usdt', 'DAI']) {
      expect(await rates.rate(chain.config.chainId, currency, 'USD')).toEqual({
        available: true,
        rate: { value: '1', pricingCurrency: 'USD', source: 'peg', feedAddress: null, updatedAt: null },
      });
    }
  });

  it('has no rate for a pegged coin in another pricing currency, nor for an unknown coin or chain', async () => {
    expect(reasonOf(await rates.rate(chain.config.chainId, 'USDC', 'EUR'))).toBe(
      `no USDC/EUR price feed is configured on chain ${chain.config.chainId}, and USDC is not pegged to EUR`,
    );
    expect(reasonOf(await rates.rate(chain.config.chainId, 'BTC', 'USD'))).toContain("'BTC' is not a coin of chain");
    expect(reasonOf(await rates.rate(999_999, 'ETH', 'USD'))).toBe('chain 999999 is not configured');
  });

  it('reads the feed: 2,500 USD per ETH as deployed, then the exact decimal of a new answer', async () => {
    const initial = await rates.rate(chain.config.chainId, 'ETH', 'USD');
    expect(initial).toMatchObject({ available: true, rate: { value: '2500', source: 'price_feed', feedAddress: feed } });

    const updatedAt = await setAnswer(1834_12345678n);
    expect(await rates.rate(chain.config.chainId, 'eth', 'usd', at(updatedAt))).toEqual({
      available: true,
      rate: { value: '1834.12345678', pricingCurrency: 'USD', source: 'price_feed', feedAddress: feed, updatedAt: at(updatedAt) },
    });

    await setAnswer(1n);
    expect(await rates.rate(chain.config.chainId, 'ETH', 'USD')).toMatchObject({ available: true, rate: { value: '0.00000001' } });
  });

  it('uses a round exactly maxAgeSeconds old, and refuses one a second older as stale', async () => {
    const now = await setAnswer(2500_00000000n);
    const updatedAt = now - BigInt(maxAge());
    await setRound(3000_00000000n, updatedAt);

    expect(await rates.rate(chain.config.chainId, 'ETH', 'USD', at(now))).toMatchObject({ available: true, rate: { value: '3000' } });
    const stale = reasonOf(await rates.rate(chain.config.chainId, 'ETH', 'USD', at(now + 1n)));
    expect(stale).toBe(`the ETH/USD price feed is stale: last updated ${at(updatedAt).toISOString()}, more than ${maxAge()} s ago`);
  });

  it.each([
    ['zero', 0n, 'the ETH/USD price feed answered 0, which is not a price'],
    ['negative', -5n, 'the ETH/USD price feed answered -5, which is not a price'],
  ])('refuses a %s answer', async (_name, answer, reason) => {
    await setAnswer(answer);
    expect(reasonOf(await rates.rate(chain.config.chainId, 'ETH', 'USD'))).toBe(reason);
  });

  it('refuses a round that never completed (updatedAt 0) or carries an earlier round\'s answer', async () => {
    await setRound(2500_00000000n, 0n);
    expect(reasonOf(await rates.rate(chain.config.chainId, 'ETH', 'USD'))).toBe('the ETH/USD price feed has no completed round');

    await setAnswer(2500_00000000n);
    await chain.minedAt(await chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnsweredInRound', args: [1n] }));
    expect(reasonOf(await rates.rate(chain.config.chainId, 'ETH', 'USD'))).toMatch(/round \d+ carries the answer of the earlier round 1$/);
  });

  it('refuses a round dated in the future', async () => {
    const now = await setAnswer(2500_00000000n);
    await setRound(2500_00000000n, now + BigInt(maxAge()) + 10n);
    expect(reasonOf(await rates.rate(chain.config.chainId, 'ETH', 'USD', at(now)))).toContain('in the future');
  });

  it('answers unavailable, never throws, when the feed address holds no aggregator', async () => {
    const config = { ...chain.config, priceFeeds: [{ ...chain.config.priceFeeds[0]!, address: chain.contracts.tokens.USDC }] };
    const noFeed = new RateSource(new ChainRegistry([config]));
    expect(reasonOf(await noFeed.rate(config.chainId, 'ETH', 'USD'))).toMatch(
      new RegExp(`^the ETH/USD price feed at ${chain.contracts.tokens.USDC} could not be read: `),
    );
  });

  describe('when the node does not answer', () => {
    let proxy: RpcProxy;
    let throughProxy: RateSource;

    beforeAll(async () => {
      await setAnswer(2500_00000000n);
      proxy = await startRpcProxy(chain.node.rpcUrl);
      throughProxy = new RateSource(new ChainRegistry([{ ...chain.config, rpcUrls: [proxy.url], rpcTimeoutMs: 300 }]));
    });

    afterAll(async () => {
      await proxy?.close();
    });

    it('is unavailable while the node is down or hangs, and available again once it answers', async () => {
      await proxy.setMode('pass');
      expect(await throughProxy.rate(chain.config.chainId, 'ETH', 'USD')).toMatchObject({ available: true, rate: { value: '2500' } });

      await proxy.setMode('down');
      expect(reasonOf(await throughProxy.rate(chain.config.chainId, 'ETH', 'USD'))).toMatch(/^the ETH\/USD price feed at 0x[0-9a-fA-F]{40} could not be read: /);

      await proxy.setMode('hang');
      const started = Date.now();
      expect(reasonOf(await throughProxy.rate(chain.config.chainId, 'ETH', 'USD'))).toContain('could not be read: request timed out');
      expect(Date.now() - started).toBeLessThan(5_000);

      await proxy.setMode('pass');
      expect(await throughProxy.rate(chain.config.chainId, 'ETH', 'USD')).toMatchObject({ available: true, rate: { value: '2500' } });
    });

    it(`gives up after ${FEED_READ_TIMEOUT_MS / 1000} s even when the chain's RPC timeout is longer`, async () => {
      const patient = new RateSource(new ChainRegistry([{ ...chain.config, rpcUrls: [proxy.url], rpcTimeoutMs: 60_000 }]));
      await proxy.setMode('hang');
      const started = Date.now();
      expect(reasonOf(await patient.rate(chain.config.chainId, 'ETH', 'USD'))).toContain(`could not be read: no answer within ${FEED_READ_TIMEOUT_MS / 1000} s`);
      expect(Date.now() - started).toBeLessThan(FEED_READ_TIMEOUT_MS + 2_000);
      await proxy.setMode('pass');
    });

    it('reads a feed once for concurrent lookups, and again for the next one', async () => {
      await proxy.setMode('pass');
      const rounds = () => proxy.observed.filter((call) => JSON.stringify(call.params).includes('0xfeaf968c')).length; // latestRoundData()
      const before = rounds();
      const lookups = await Promise.all(Array.from({ length: 5 }, () => throughProxy.rate(chain.config.chainId, 'ETH', 'USD')));
      expect(lookups.every((lookup) => lookup.available)).toBe(true);
      expect(rounds() - before).toBe(1);
      await throughProxy.rate(chain.config.chainId, 'ETH', 'USD');
      expect(rounds() - before).toBe(2);
    });
  });
});
