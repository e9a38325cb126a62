import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { buildEventPayload, ConflictError, type MerchantId, newId, NotFoundError } from '@kassa/domain';
import { DeliveriesRepository, EventsRepository, type StoredEvent, WebhookEndpointsRepository } from '@kassa/persistence';
import { OUTBOX_NOTIFY_CHANNEL } from '@kassa/webhooks';

/**
 * Sends a `webhook_endpoint.test` event to one endpoint (docs/webhooks.md): signed and
 * delivered like every event, with retries, and logged with its attempts; no other endpoint
 * receives it. For checking a receiver's signature verification before real money flows.
 * @throws NotFoundError (404) for another merchant's or an unknown endpoint
 * @throws ConflictError (409) for a disabled endpoint
 */
@Injectable()
export class SendTestEventUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly events: EventsRepository,
    private readonly deliveries: DeliveriesRepository,
  ) {}

  async execute(merchantId: MerchantId, endpointId: string, now: Date = new Date()): Promise<StoredEvent> {
    const endpoint = await this.endpoints.findById(merchantId, endpointId);
    if (!endpoint) throw new NotFoundError('webhook endpoint', endpointId);
    if (!endpoint.enabled) throw new ConflictError(`Webhook endpoint ${endpointId} is disabled; enable it first`);
    const payload = buildEventPayload(newId('event', now.getTime()), 'webhook_endpoint.test', now, {
      object: 'webhook_endpoint_test',
      id: endpoint.id,
      url: endpoint.url,
      message: 'A test event from Kassa: if its signature verifies, this endpoint is ready.',
    });
    return this.dataSource.transaction(async (manager) => {
      const event = await this.events.insertWithoutDeliveries(manager, { merchantId, type: 'webhook_endpoint.test', paymentId: null, payload });
      await this.deliveries.redeliverEvent(merchantId, event.id, now, { endpointId }, manager);
      await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_NOTIFY_CHANNEL, event.id]);
      return event;
    });
  }
}
