import { setTimeout as delay } from 'node:timers/promises';

import type { Client, Notification } from 'pg';
import type { DataSource } from 'typeorm';

import { openDedicatedConnection } from './dedicated-connection';

/** What {@link listenWithReconnect} listens for, and what it tells its caller. */
export interface ListenOptions {
  /** The channel (a plain identifier, e.g. `kassa_events`). */
  channel: string;
  /** Shown in `pg_stat_activity`. */
  applicationName: string;
  /** Each notification's payload, as PostgreSQL delivers them after the sender's commit. */
  onNotification(payload: string | undefined): void;
  /**
   * The connection listens (again): a notification sent while it was down was lost, so this
   * is where the caller catches up (reloads, looks for work). A failure counts as a lost
   * connection.
   */
  onListening(): Promise<void> | void;
  /** The connection was lost (or could not be opened); it is opened again after the delay. */
  onLost(reason: string): void;
  /** Waits before each new attempt, ms: the n-th failure in a row waits the n-th (the last one after that). */
  reconnectDelaysMs: readonly number[];
}

/**
 * Keeps a `LISTEN` on `options.channel` open on a connection of its own (outside the pool)
 * until `signal` aborts, opening it again after a loss with the given delays. Used by the
 * workers (new events in the outbox) and the watcher (new deposit addresses); missing a
 * notification only delays what it announces until {@link ListenOptions.onListening} or the
 * caller's own polling.
 * @returns when `signal` aborts, once the connection is closed
 */
export async function listenWithReconnect(dataSource: DataSource, options: ListenOptions, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    let client: Client | undefined;
    try {
      client = await openDedicatedConnection(dataSource, options.applicationName);
      const opened = client;
      const lost = new Promise<string>((resolve) => {
        opened.on('error', (error: Error) => resolve(error.message));
        opened.on('end', () => resolve('connection ended'));
      });
      opened.on('notification', (message: Notification) => {
        if (message.channel === options.channel) options.onNotification(message.payload);
      });
      await opened.query(`LISTEN ${options.channel}`);
      await options.onListening();
      failures = 0;
      const reason = await Promise.race([lost, aborted(signal)]);
      if (!signal.aborted) options.onLost(reason ?? 'stopped');
    } catch (error) {
      if (!signal.aborted) options.onLost(error instanceof Error ? error.message : String(error));
    } finally {
      await client?.end().catch(() => undefined);
    }
    if (signal.aborted) return;
    const wait = options.reconnectDelaysMs[Math.min(failures, options.reconnectDelaysMs.length - 1)] ?? 1_000;
    failures += 1;
    await delay(wait, undefined, { signal }).catch(() => undefined);
  }
}

function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
