import type { Hex } from 'viem';

import type { BlockScanner } from './block-scanner';

/** How a {@link HeadSource} learns of new heads right now. */
export type HeadSourceMode = 'websocket' | 'polling';

/** A head a node announced (`newHeads`): its number and hash, as the announcing node saw them. */
export interface AnnouncedHead {
  number: bigint;
  /** Lowercase block hash. */
  hash: Hex;
}

/**
 * Where a follower learns of new heads. Polling over HTTP is the baseline; a WebSocket
 * `newHeads` source implements the same interface and wakes the follower earlier.
 */
export interface HeadSource {
  /** `websocket` while subscribed to `newHeads`, `polling` otherwise. */
  mode(): HeadSourceMode;
  /**
   * The node's latest block number.
   * @throws RpcReadError when the node cannot be read
   */
  latest(): Promise<bigint>;
  /**
   * The newest head announced since {@link latest} was last called, or null (none, or a
   * source that announces nothing). A hint of what the next read will find, never the head
   * itself: the head is what {@link latest} returns.
   */
  announced(): AnnouncedHead | null;
  /** Resolves when a new head may be there (or `signal` aborts); never rejects. */
  waitForNext(signal: AbortSignal): Promise<void>;
  /** Releases the source's connections. */
  close(): Promise<void>;
}

/** A {@link HeadSource} that asks for the latest block header (`eth_getBlockByNumber("latest")`) every `intervalMs`. */
export class PollingHeadSource implements HeadSource {
  constructor(
    private readonly scanner: Pick<BlockScanner, 'headBlockNumber'>,
    private readonly intervalMs: number,
  ) {}

  mode(): HeadSourceMode {
    return 'polling';
  }

  latest(): Promise<bigint> {
    return this.scanner.headBlockNumber();
  }

  announced(): AnnouncedHead | null {
    return null;
  }

  waitForNext(signal: AbortSignal): Promise<void> {
    return sleep(this.intervalMs, signal);
  }

  async close(): Promise<void> {}
}

/** Resolves after `ms` milliseconds, or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
