import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ConflictError, type MerchantId, NotFoundError } from '@kassa/domain';
import { DeliveriesRepository, EventsRepository, WebhookEndpointsRepository } from '@kassa/persistence';
import { OUTBOX_NOTIFY_CHANNEL } from '@kassa/webhooks';

/**
 * Redelivers an event on the merchant's request (`POST /v1/events/:id/redeliver`): queues
 * it for one endpoint, or for every enabled endpoint subscribed to its type, due now with a
 * fresh retry window (DESIGN.md "Webhooks": failed deliveries are left for manual
 * redelivery), and wakes the workers at commit.
 * @throws NotFoundError (404) for an unknown event or endpoint of this merchant
 * @throws ConflictError (409) when the named endpoint is disabled
 */
@Injectable()
export class RedeliverEventUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: DeliveriesRepository,
  ) {}

  async execute(merchantId: MerchantId, eventId: string, endpointId?: string): Promise<{ deliveryId: string; endpointId: string }[]> {
    if (!(await this.events.findById(merchantId, eventId))) throw new NotFoundError('event', eventId);
    if (endpointId !== undefined) {
      const endpoint = await this.endpoints.findById(merchantId, endpointId);
      if (!endpoint) throw new NotFoundError('webhook endpoint', endpointId);
      if (!endpoint.enabled) throw new ConflictError(`Webhook endpoint ${endpointId} is disabled; enable it first`);
    }
    return this.dataSource.transaction(async (manager) => {
      const queued = await this.deliveries.redeliverEvent(merchantId, eventId, new Date(), { endpointId }, manager);
      if (queued.length > 0) await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_NOTIFY_CHANNEL, eventId]);
      return queued;
    });
  }
}
