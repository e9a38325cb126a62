import { Injectable, Logger } from '@nestjs/common';
import { Client, type ClientConfig, type Notification, type Pool } from 'pg';
import { DataSource } from 'typeorm';

/**
 * PostgreSQL channel on which the outbox announces new events (`NOTIFY kassa_events` in the
 * transaction that appends them; PostgreSQL delivers it at commit). Workers LISTEN so a
 * delivery goes out right after the commit instead of at the next poll.
 */
export const OUTBOX_NOTIFY_CHANNEL = 'kassa_events';

/** Waits between reconnection attempts after the listening connection broke, milliseconds. */
const RECONNECT_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000, 30_000];

/** A LISTEN on the outbox channel; `stop()` ends it and closes its connection. */
export interface OutboxSubscription {
  stop(): Promise<void>;
}

/**
 * Opens LISTEN connections for the outbox channel. Each subscription holds one dedicated
 * connection (outside the pool, with the pool's settings) and reconnects with backoff when it
 * breaks; missing a notification only delays a delivery until the next poll.
 */
@Injectable()
export class OutboxNotifications {
  constructor(private readonly dataSource: DataSource) {}

  /** Calls `onNotify` for every notification on {@link OUTBOX_NOTIFY_CHANNEL}, until stopped. */
  subscribe(onNotify: () => void): OutboxSubscription {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool?.options) throw new Error('OutboxNotifications needs an initialised PostgreSQL DataSource');
    // The pool's own settings (max, idle timeout) are ignored by a single Client.
    const config: ClientConfig = { ...pool.options, application_name: 'kassa-outbox-listener' };
    return new ListenConnection(config, onNotify);
  }
}

class ListenConnection implements OutboxSubscription {
  private readonly logger = new Logger(OutboxNotifications.name);
  private client: Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly onNotify: () => void,
  ) {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    const client = new Client(this.config);
    client.on('notification', (message: Notification) => {
      if (message.channel === OUTBOX_NOTIFY_CHANNEL) this.onNotify();
    });
    client.on('error', (error) => this.broken(client, error));
    client.on('end', () => this.broken(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
    } catch (error) {
      this.broken(client, error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.logger.log(`listening on ${OUTBOX_NOTIFY_CHANNEL} again`);
    this.failures = 0;
    // Events appended while the connection was down were not announced: look now.
    this.onNotify();
  }

  private broken(client: Client, error: Error): void {
    if (this.client !== null && this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures, RECONNECT_DELAYS_MS.length - 1)];
    this.failures += 1;
    this.logger.warn(`LISTEN ${OUTBOX_NOTIFY_CHANNEL} connection lost (${error.message}); retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
