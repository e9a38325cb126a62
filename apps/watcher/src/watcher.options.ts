import { hostname } from 'node:os';

/** Injection token of the {@link WatcherOptions}. */
export const WATCHER_OPTIONS = Symbol('WATCHER_OPTIONS');

/**
 * Tuning of the chain watcher. Chain settings (RPC URLs, confirmations, poll interval,
 * finality depth) come from `@kassa/config`; these are the process's own knobs, with
 * defaults meant for production. Tests shorten the intervals.
 */
export interface WatcherOptions {
  /** Start one follower per configured chain at application bootstrap. Default true. */
  autoStart: boolean;
  /** Most blocks read and stored in one scan (one `eth_getLogs`, one transaction). Default 100. */
  maxBlocksPerScan: number;
  /** How often a standby retries the chain's leader lock, ms. Default 5,000. */
  leaderRetryMs: number;
  /** How often a leader checks that its lock connection is alive (and keeps it from falling silent), ms. Default 5,000. */
  leaderCheckMs: number;
  /**
   * A leader whose lock connection stays silent this long (it hangs: stopped, starved) is
   * cut off by PostgreSQL (`idle_session_timeout`) and a standby takes over, ms. Must exceed
   * `leaderCheckMs`. Default 15,000.
   */
  leaderLeaseMs: number;
  /** Full reload of the watched addresses (safety net beside LISTEN/NOTIFY), ms. Default 60,000. */
  watchedRefreshMs: number;
  /** Delay before reconnecting a lost LISTEN connection, ms. Default 2,000. */
  listenReconnectMs: number;
  /** First back-off after a failed step, ms; doubled per failure up to `maxBackoffMs`. Default 500. */
  minBackoffMs: number;
  /** Longest back-off between retries of a failing chain, ms. Default 30,000. */
  maxBackoffMs: number;
  /**
   * While following a chain by WebSocket `newHeads`, look for a new head at least this
   * often anyway (a notification lost in transit costs at most this long), ms. Default 15,000.
   */
  headSafetyPollMs: number;
  /** How often a follower reads its node's finalized block, on chains with `finalizedTag` (one call per period, not per block), ms. Default 60,000. */
  finalizedRefreshMs: number;
  /** A silent WebSocket is probed after this long, and replaced after twice as long, ms. Default 30,000. */
  wsKeepAliveMs: number;
  /** How often a leading follower re-writes its chain's status row (heartbeat), ms. Default 5,000. */
  statusHeartbeatMs: number;
  /**
   * How far the API's clock (a payment's id carries its creation time) may be ahead of the
   * watcher's, ms: a block read more than this before a payment was created is not read
   * again for it when its address is learnt late. Default 1,000: hosts kept in time by NTP
   * agree within tens of ms over the public Internet (RFC 5905), far closer on one network.
   */
  clockToleranceMs: number;
  /** Who this watcher is in `chain_status.watcher_id`. Default `<hostname>:<pid>`. */
  watcherId: string;
}

export const DEFAULT_WATCHER_OPTIONS: WatcherOptions = {
  autoStart: true,
  maxBlocksPerScan: 100,
  leaderRetryMs: 5_000,
  leaderCheckMs: 5_000,
  leaderLeaseMs: 15_000,
  watchedRefreshMs: 60_000,
  listenReconnectMs: 2_000,
  minBackoffMs: 500,
  maxBackoffMs: 30_000,
  headSafetyPollMs: 15_000,
  finalizedRefreshMs: 60_000,
  wsKeepAliveMs: 30_000,
  statusHeartbeatMs: 5_000,
  clockToleranceMs: 1_000,
  watcherId: `${hostname()}:${process.pid}`,
};
