import { type ChainConfig, chainConfigSchema } from '@kassa/config';
import { chainSettingsFixture, type RpcProxy, startRpcProxy } from '@kassa/testing';

import { type HardhatNode, startHardhatNode } from '../local/hardhat-node';
import { createChainClient } from './chain-client';

/**
 * A chain client against RPC URLs that behave like the big providers' (the test proxy's
 * provider imitation in front of a Hardhat node): rate limits with and without `Retry-After`,
 * batches refused, a request budget that keeps under the provider's limit.
 */
describe('a chain client against a provider\'s limits', () => {
  let node: HardhatNode;
  const proxies: RpcProxy[] = [];
  beforeAll(async () => {
    node = await startHardhatNode();
  });
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await node?.stop();
  });

  const proxy = async () => {
    const started = await startRpcProxy(node.rpcUrl);
    proxies.push(started);
    return started;
  };
  /** The chain of the node behind `urls`, validated as the configuration would (defaults filled in). */
  const chainOf = (urls: string[], extra: Partial<ChainConfig> = {}): ChainConfig =>
    chainConfigSchema.parse(chainSettingsFixture({ rpcUrls: urls, tokens: [], ...extra }));

  it.each([
    ['with Retry-After', 1],
    ['without Retry-After', undefined],
  ])('backs off on a rate-limited URL (%s) instead of declaring it down or spinning through the others', async (_case, retryAfterSeconds) => {
    const [limited, spare] = [await proxy(), await proxy()];
    limited.setProvider({ rateLimit: { perSecond: 3, retryAfterSeconds } });
    const client = createChainClient(chainOf([limited.url, spare.url]), { retryCount: 0 });

    // One by one, as a follower asks: eight requests at a provider serving three a second.
    const answers: bigint[] = [];
    for (let i = 0; i < 8; i++) answers.push(await client.getBalance({ address: '0x0000000000000000000000000000000000000001' }));

    expect(answers).toHaveLength(8);
    expect(limited.refusals.rateLimited).toBeGreaterThan(0);
    expect(client.endpoints.rateLimits).toBe(limited.refusals.rateLimited);
    expect(client.endpoints.rotations).toBe(0);
    expect(spare.observed).toEqual([]);
  });

  it('sends requests one by one to a URL that refuses batches, and keeps using it', async () => {
    const noBatches = await proxy();
    noBatches.setProvider({ maxBatch: 0 });
    const client = createChainClient(chainOf([noBatches.url]), { retryCount: 0 });

    // Concurrent calls of one tick: a batch, refused, then the same calls one by one.
    const blocks = await Promise.all([0n, 0n, 0n].map((blockNumber) => client.getBlock({ blockNumber })));

    expect(blocks.map((block) => block.number)).toEqual([0n, 0n, 0n]);
    expect(noBatches.refusals.batches).toBeGreaterThan(0);
    expect(client.endpoints.rotations).toBe(0);
    const refusedBefore = noBatches.refusals.batches;
    await Promise.all([client.getBlockNumber(), client.getChainId()]);
    expect(noBatches.refusals.batches).toBe(refusedBefore);
  });

  it('sends the calls its immediate client gets in one turn as one batch, without waiting for a timer', async () => {
    const oneAtATime = await proxy();
    oneAtATime.setProvider({ maxBatch: 1 });
    const client = createChainClient(chainOf([oneAtATime.url]), { retryCount: 0 });
    const call = () => client.immediate.request({ method: 'eth_getBlockByNumber', params: ['0x0', false] });

    // Two calls of one turn, some promise steps apart: one batch of two, refused by this
    // provider, then the calls one by one (as the batching client does).
    const blocks = await Promise.all([call(), Promise.resolve().then(() => Promise.resolve()).then(call)]);
    expect(blocks.map((block) => block?.number)).toEqual(['0x0', '0x0']);
    expect(oneAtATime.refusals.batches).toBe(1);

    // With the clock stopped, only a batch that is not sent by a timer gets answered (a
    // fresh client: the one above sends singly now that its URL refused a batch).
    const fresh = createChainClient(chainOf([(await proxy()).url]), { retryCount: 0 });
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance', 'hrtime', 'Date'] });
    try {
      const batched = fresh.request({ method: 'eth_chainId' }).then(() => 'answered');
      const immediate = fresh.immediate.request({ method: 'eth_chainId' });
      await expect(immediate).resolves.toBe('0x7a69');
      expect(await Promise.race([batched, new Promise((resolve) => setImmediate(() => resolve('waiting')))])).toBe('waiting');
      jest.advanceTimersByTime(1);
      await expect(batched).resolves.toBe('answered');
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps within its request budget: a provider serving five requests a second never answers 429', async () => {
    const strict = await proxy();
    strict.setProvider({ rateLimit: { perSecond: 5 } });
    const client = createChainClient(chainOf([strict.url], { rpcRequestsPerSecond: 2 }), { retryCount: 0 });

    // Eight different reads at once (identical ones would be deduplicated into one).
    await Promise.all(Array.from({ length: 8 }, (_, i) => client.getBalance({ address: `0x${(i + 1).toString(16).padStart(40, '0')}` })));

    expect(strict.observed.filter((call) => call.method === 'eth_getBalance')).toHaveLength(8);
    expect(strict.refusals.rateLimited).toBe(0);
    expect(client.endpoints.rateLimits).toBe(0);
  });
});
