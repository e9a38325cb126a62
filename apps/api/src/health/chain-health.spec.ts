import type { ChainConfig } from '@kassa/config';
import type { StoredChainStatus } from '@kassa/persistence';

import { chainHealth } from './chain-health';

const chain = { chainId: 31337, name: 'Local' } as ChainConfig;
const now = new Date('2026-11-22T00:00:00Z');

/** A status row as a leading watcher writes it, `secondsAgo` before `now`. */
function report(overrides: Partial<StoredChainStatus> = {}, secondsAgo = 2): StoredChainStatus {
  return {
    chainId: chain.chainId,
    watcherId: 'host:1',
    state: 'following',
    headSource: 'polling',
    headBlock: 1_000n,
    headBlockTime: new Date(now.getTime() - 4_000),
    cursorBlock: 998n,
    cursorBlockTime: new Date(now.getTime() - 12_000),
    rpcUrlIndex: 0,
    rpcRotations: 0,
    consecutiveFailures: 0,
    lastError: null,
    lastErrorAt: null,
    logRangeBlocks: 1000,
    lastProgressAt: new Date(now.getTime() - 2_000),
    updatedAt: new Date(now.getTime() - secondsAgo * 1000),
    ...overrides,
  };
}

/** How `/health/ready` and `kassa_chain_up` judge a chain from what its watcher reported. */
describe('the health of a chain', () => {
  it('is ok while followed within the lag bound, with its lag in blocks and seconds', () => {
    expect(chainHealth(chain, report(), now, 50)).toMatchObject({ status: 'ok', headBlock: '1000', cursorBlock: '998', lagBlocks: 2, lagSeconds: 12 });
  });

  it('tells lag in seconds both ways: how old the head block is, and how far the last stored block is behind it', () => {
    // Head block 4 s old, last stored block 12 s old: the watcher is 8 s behind the head.
    expect(chainHealth(chain, report(), now, 50)).toMatchObject({ headAgeSeconds: 4, behindHeadSeconds: 8 });
    expect(chainHealth(chain, report({ headBlockTime: null }), now, 50)).toMatchObject({ headAgeSeconds: null, behindHeadSeconds: null });
  });

  it('is lagging when the watcher is further behind the head than the configured bound', () => {
    expect(chainHealth(chain, report({ cursorBlock: 900n }), now, 50)).toMatchObject({ status: 'lagging', lagBlocks: 100 });
    expect(chainHealth(chain, report({ cursorBlock: 950n }), now, 50)).toMatchObject({ status: 'ok', lagBlocks: 50 });
  });

  it('is degraded while the watcher retries a failing RPC node, whatever the lag', () => {
    const failing = report({ state: 'degraded', consecutiveFailures: 3, lastError: 'HTTP request failed' });
    expect(chainHealth(chain, failing, now, 50)).toMatchObject({ status: 'degraded', consecutiveFailures: 3, lastError: 'HTTP request failed' });
  });

  it('is stale when no watcher reported for 30 s, and unknown when none ever did', () => {
    expect(chainHealth(chain, report({}, 31), now, 50).status).toBe('stale');
    expect(chainHealth(chain, undefined, now, 50)).toMatchObject({ status: 'unknown', headBlock: null, lagBlocks: null });
  });
});
