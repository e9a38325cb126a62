import { Logger } from '@nestjs/common';

import type { ChainStatusReport, ChainStatusRepository } from '@kassa/persistence';

/**
 * Writes a leading follower's status to `chain_status` (docs/watcher.md "Health"), so the
 * api's `/health/ready` and metrics can read every chain's state from the database without
 * reaching the watcher process:
 * - at once (in the background) when something an operator must see changes: the state,
 *   the error, the head source, the RPC URL in use;
 * - every `heartbeatMs` while leading, with the current head and cursor, so a row whose
 *   `updated_at` is old means no watcher leads the chain (all of them are down).
 *
 * Writes never block or fail the follower: a write that fails (the database is what
 * failed) is logged at debug level and the next heartbeat tries again. At most one write
 * is in flight; changes during it are folded into one more write.
 */
export class ChainStatusPublisher {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private dirty = false;
  /** The epoch of the lead being reported: a write is dropped once another watcher took the chain. */
  private leaderEpoch?: bigint;

  constructor(
    private readonly repository: ChainStatusRepository,
    private readonly read: () => ChainStatusReport,
    private readonly heartbeatMs: number,
    chainId: number,
  ) {
    this.logger = new Logger(`ChainStatus:${chainId}`);
  }

  /** Starts the heartbeat and writes the status now (the follower became leader with `leaderEpoch`). */
  lead(leaderEpoch?: bigint): void {
    this.leaderEpoch = leaderEpoch;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.publish(), this.heartbeatMs);
    this.timer.unref();
    this.publish();
  }

  /** Writes the status soon (a change an operator must see). */
  publish(): void {
    this.dirty = true;
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
  }

  /**
   * Stops the heartbeat; writes the status one last time when `finalWrite` (a leader that
   * stops on purpose records it), and waits for writes in flight.
   */
  async stop(finalWrite: boolean): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (finalWrite) this.publish();
    else this.dirty = false;
    await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await this.repository.save(this.read(), this.leaderEpoch);
      } catch (error) {
        this.logger.debug(`Writing the chain status failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
