import type { ChainConfig } from '@kassa/config';
import type { StoredChainStatus } from '@kassa/persistence';

/**
 * A status row older than this means no watcher leads the chain: the leader writes one
 * every 5 s (`statusHeartbeatMs`), so six missed heartbeats. A standby takes a dead
 * leader's place within `leaderRetryMs` (5 s), well inside it.
 */
export const CHAIN_STATUS_STALE_AFTER_MS = 30_000;

/**
 * One chain in `/health/ready`: `ok` while a watcher follows it; `lagging` while it follows
 * it more than `health.maxLagBlocks` behind the node's head; `degraded` when its
 * watcher retries failing RPC or database reads, stalled on a reorg deeper than the stored
 * blocks, waits, or stopped; `stale` when no watcher has reported for
 * {@link CHAIN_STATUS_STALE_AFTER_MS}; `unknown` when no watcher ever reported it.
 * Block numbers are decimal strings; no RPC URL is ever shown (URLs may carry API keys),
 * only the position of the one in use in the chain's `rpcUrls`.
 */
export interface ChainHealth {
  chainId: number;
  name: string;
  status: 'ok' | 'lagging' | 'degraded' | 'stale' | 'unknown';
  state: StoredChainStatus['state'] | null;
  headSource: StoredChainStatus['headSource'];
  headBlock: string | null;
  cursorBlock: string | null;
  /** Blocks the watcher is behind the head it last saw. */
  lagBlocks: number | null;
  /** Seconds between now and the timestamp of the last stored block. */
  lagSeconds: number | null;
  /** Seconds between now and the timestamp of the node's head block (a stalled node shows here). */
  headAgeSeconds: number | null;
  /** Seconds between the last stored block and the head block, by their timestamps (the watcher's own lag). */
  behindHeadSeconds: number | null;
  rpcUrlIndex: number | null;
  rpcRotations: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  /** When the watcher last reported (its heartbeat). */
  updatedAt: string | null;
}

/**
 * The health of a configured chain from its status row (undefined: never reported) at `now`.
 * @param maxLagBlocks blocks behind the head above which a following chain is `lagging`
 */
export function chainHealth(chain: ChainConfig, report: StoredChainStatus | undefined, now: Date, maxLagBlocks: number = Number.POSITIVE_INFINITY): ChainHealth {
  if (!report) {
    return {
      chainId: chain.chainId,
      name: chain.name,
      status: 'unknown',
      state: null,
      headSource: null,
      headBlock: null,
      cursorBlock: null,
      lagBlocks: null,
      lagSeconds: null,
      headAgeSeconds: null,
      behindHeadSeconds: null,
      rpcUrlIndex: null,
      rpcRotations: 0,
      consecutiveFailures: 0,
      lastError: null,
      lastErrorAt: null,
      updatedAt: null,
    };
  }
  const stale = now.getTime() - report.updatedAt.getTime() > CHAIN_STATUS_STALE_AFTER_MS;
  const lagBlocks = report.headBlock !== null && report.cursorBlock !== null ? Number(report.headBlock - report.cursorBlock) : null;
  return {
    chainId: chain.chainId,
    name: chain.name,
    status: stale ? 'stale' : report.state !== 'following' ? 'degraded' : lagBlocks !== null && lagBlocks > maxLagBlocks ? 'lagging' : 'ok',
    state: report.state,
    headSource: report.headSource,
    headBlock: report.headBlock?.toString() ?? null,
    cursorBlock: report.cursorBlock?.toString() ?? null,
    lagBlocks: lagBlocks === null ? null : Math.max(0, lagBlocks),
    lagSeconds: report.cursorBlockTime ? secondsBetween(report.cursorBlockTime, now) : null,
    headAgeSeconds: report.headBlockTime ? secondsBetween(report.headBlockTime, now) : null,
    behindHeadSeconds: report.headBlockTime && report.cursorBlockTime ? secondsBetween(report.cursorBlockTime, report.headBlockTime) : null,
    rpcUrlIndex: report.rpcUrlIndex,
    rpcRotations: report.rpcRotations,
    consecutiveFailures: report.consecutiveFailures,
    lastError: report.lastError,
    lastErrorAt: report.lastErrorAt?.toISOString() ?? null,
    updatedAt: report.updatedAt.toISOString(),
  };
}

/** Seconds from `earlier` to `later`, to a tenth, never negative. */
function secondsBetween(earlier: Date, later: Date): number {
  return Math.max(0, Math.round((later.getTime() - earlier.getTime()) / 100) / 10);
}
