import { Logger } from '@nestjs/common';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';

import { sleep } from '@kassa/chain';
import { type ChainCursorsRepository, openDedicatedConnection } from '@kassa/persistence';


/**
 * First key of the watcher's advisory locks (`pg_try_advisory_lock(key, chainId)`): ASCII
 * "KSWT". Other Kassa locks use other keys, so they never collide with a chain's.
 */
export const WATCHER_LOCK_KEY = 0x4b535754;

/**
 * The second key for a chain id: the chain id itself when it fits PostgreSQL's int4 (every
 * chain Kassa knows of), otherwise folded into int4 range.
 */
export function chainLockKey(chainId: number): number {
  return chainId <= 0x7fffffff ? chainId : chainId % 0x7fffffff;
}

/** Being the chain's leader: the lock is held until `release()` or until `signal` aborts (lock lost). */
export interface LeaderLease {
  /** Aborted when the lock connection fails or closes: stop writing for this chain. */
  readonly signal: AbortSignal;
  /** The leader epoch taken with the lock: every write checks it is still the chain's (fencing). */
  readonly epoch: bigint;
  /** Unlocks and closes the lock connection. Idempotent. */
  release(): Promise<void>;
}

/** Timings of a {@link ChainLeadership}. */
export interface ChainLeadershipOptions {
  /** How often a standby retries the lock, ms. */
  retryMs: number;
  /** How often a leader checks its lock connection, ms. */
  checkMs: number;
  /**
   * How long the lock connection may stay silent before PostgreSQL ends it (its
   * `idle_session_timeout`), ms: a leader that hangs (stopped, starved, partitioned from
   * its host) stops pinging and loses the lock after this long. Above `checkMs`.
   */
  leaseMs: number;
  /** Who takes the lead, stored beside the epoch (`<hostname>:<pid>`). */
  leader: string;
}

/**
 * Exactly one active watcher per chain (DESIGN.md "Processes"): a follower takes the
 * session advisory lock `(WATCHER_LOCK_KEY, chainId)` on a connection of its own before it
 * follows the chain. PostgreSQL releases the lock when that connection ends, whatever the
 * reason (crash, network loss), so a standby that retries every `retryMs` takes over.
 * The leader pings its connection every `checkMs`; a failed ping or a connection error
 * aborts the lease so the leader stops at once.
 *
 * A leader that hangs rather than dies keeps its connection open, so the lock connection
 * runs with `idle_session_timeout` = `leaseMs` (PostgreSQL 14+): without its pings the
 * server ends the session and releases the lock, and a standby takes over within
 * `leaseMs + retryMs`. Each new leader increments the chain's leader epoch
 * (`ChainCursorsRepository.takeLeadership`), and every write checks it, so the old leader
 * cannot write when it resumes (`RecordBlocks`, fencing).
 */
export class ChainLeadership {
  private readonly logger: Logger;
  private silenceWarned = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cursors: ChainCursorsRepository,
    private readonly chainId: number,
    private readonly options: ChainLeadershipOptions,
  ) {
    this.logger = new Logger(`ChainLeadership:${chainId}`);
  }

  /**
   * Waits until this process holds the chain's lock.
   * @returns the lease, or null when `signal` aborts first
   */
  async acquire(signal: AbortSignal): Promise<LeaderLease | null> {
    let waitingLogged = false;
    while (!signal.aborted) {
      let client: Client | undefined;
      try {
        client = await openDedicatedConnection(this.dataSource, `kassa-watcher-lock-${this.chainId}`);
        await this.limitSilence(client);
        while (!signal.aborted) {
          const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
            WATCHER_LOCK_KEY,
            chainLockKey(this.chainId),
          ]);
          if (rows[0]?.locked) {
            const epoch = await this.cursors.takeLeadership(this.chainId, this.options.leader);
            this.logger.log(`Leader for chain ${this.chainId} (epoch ${epoch})`);
            const lease = this.lease(client, signal, epoch);
            client = undefined;
            return lease;
          }
          if (!waitingLogged) this.logger.log(`Standby for chain ${this.chainId}: another watcher leads it`);
          waitingLogged = true;
          await sleep(this.options.retryMs, signal);
        }
      } catch (error) {
        if (!signal.aborted) this.logger.warn(`Cannot take the lock of chain ${this.chainId}: ${describe(error)}`);
      } finally {
        await client?.end().catch(() => undefined);
      }
      await sleep(this.options.retryMs, signal);
    }
    return null;
  }

  /** Lets PostgreSQL end the lock connection after `leaseMs` without a query (see the class docs). */
  private async limitSilence(client: Client): Promise<void> {
    try {
      await client.query(`SELECT set_config('idle_session_timeout', $1, false)`, [`${this.options.leaseMs}ms`]);
    } catch (error) {
      // PostgreSQL before 14: a hung leader keeps the chain until its connection dies.
      if (!this.silenceWarned) this.logger.warn(`Chain ${this.chainId}: the server has no idle_session_timeout (${describe(error)}); a hung leader is not replaced`);
      this.silenceWarned = true;
    }
  }

  private lease(client: Client, parent: AbortSignal, epoch: bigint): LeaderLease {
    const controller = new AbortController();
    const lose = (reason: string): void => {
      if (controller.signal.aborted) return;
      if (!parent.aborted) this.logger.warn(`Lost the lock of chain ${this.chainId}: ${reason}`);
      controller.abort();
    };
    client.on('error', (error: Error) => lose(error.message));
    client.on('end', () => lose('connection ended'));
    const onParentAbort = (): void => controller.abort();
    if (parent.aborted) controller.abort();
    else parent.addEventListener('abort', onParentAbort, { once: true });
    // One query at a time on the lock connection: a ping never overlaps another ping or the unlock.
    let ping: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      ping = ping.then(() => client.query('SELECT 1')).catch((error: unknown) => lose(describe(error)));
    }, this.options.checkMs);
    timer.unref();

    let released: Promise<void> | undefined;
    const release = (): Promise<void> =>
      (released ??= (async () => {
        clearInterval(timer);
        parent.removeEventListener('abort', onParentAbort);
        controller.abort();
        await ping;
        await client
          .query('SELECT pg_advisory_unlock($1, $2)', [WATCHER_LOCK_KEY, chainLockKey(this.chainId)])
          .catch(() => undefined);
        await client.end().catch(() => undefined);
      })());
    return { signal: controller.signal, epoch, release };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
