import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { listenWithReconnect } from '@kassa/persistence';

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
 * connection (`listenWithReconnect`) and reconnects with backoff when it breaks; missing a
 * notification only delays a delivery until the next poll, and `onNotify` is called once
 * each time the connection listens again, so events appended meanwhile are looked at.
 */
@Injectable()
export class OutboxNotifications {
  private readonly logger = new Logger(OutboxNotifications.name);

  constructor(private readonly dataSource: DataSource) {}

  /** Calls `onNotify` for every notification on {@link OUTBOX_NOTIFY_CHANNEL}, until stopped. */
  subscribe(onNotify: () => void): OutboxSubscription {
    const controller = new AbortController();
    let lost = false;
    const listening = listenWithReconnect(
      this.dataSource,
      {
        channel: OUTBOX_NOTIFY_CHANNEL,
        applicationName: 'kassa-outbox-listener',
        onNotification: () => onNotify(),
        onListening: () => {
          if (lost) this.logger.log(`listening on ${OUTBOX_NOTIFY_CHANNEL} again`);
          lost = false;
          // Events appended while the connection was down were not announced: look now.
          onNotify();
        },
        onLost: (reason) => {
          lost = true;
          this.logger.warn(`LISTEN ${OUTBOX_NOTIFY_CHANNEL} connection lost (${reason}); connecting again`);
        },
        reconnectDelaysMs: RECONNECT_DELAYS_MS,
      },
      controller.signal,
    );
    return {
      stop: async () => {
        controller.abort();
        await listening;
      },
    };
  }
}
