import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { buildEventPayload, type EventType, newId } from '@kassa/domain';
import { EventsRepository, PaymentsRepository, type StoredEvent } from '@kassa/persistence';

import { OUTBOX_NOTIFY_CHANNEL } from '../delivery/outbox-notifications';
import { PaymentObjectsService } from './payment-objects.service';

/**
 * Records payment events in the transactional outbox (DESIGN.md "Webhooks"): the event,
 * with a snapshot of the payment object, is written in the caller's transaction, so the
 * state change and its announcement commit together or not at all.
 */
@Injectable()
export class PaymentEventsService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly events: EventsRepository,
    private readonly objects: PaymentObjectsService,
  ) {}

  /**
   * Appends a `type` event for the payment as it stands in `manager`'s transaction, and
   * queues its deliveries.
   * @throws Error when the payment does not exist (a programming error: callers hold it)
   */
  async record(manager: EntityManager, type: EventType, paymentId: string, now: Date = new Date()): Promise<StoredEvent> {
    const payment = await this.payments.findByIdUnscoped(paymentId, manager);
    if (!payment) throw new Error(`Cannot record ${type}: payment ${paymentId} does not exist`);
    const payload = buildEventPayload(newId('event', now.getTime()), type, now, await this.objects.build(payment, manager));
    const { event } = await this.events.append(manager, { merchantId: payment.merchantId, type, paymentId, payload });
    await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_NOTIFY_CHANNEL, event.id]);
    return event;
  }

  /**
   * Like {@link record} for many events at once, with a constant number of queries
   * (payments, their objects, one insert, one notification): a block follower announces
   * every payment a block changed this way.
   * @returns the stored events, in input order
   * @throws Error when a payment does not exist
   */
  async recordMany(manager: EntityManager, entries: readonly { type: EventType; paymentId: string }[], now: Date = new Date()): Promise<StoredEvent[]> {
    if (entries.length === 0) return [];
    const payments = await this.payments.findManyByIdsUnscoped([...new Set(entries.map((entry) => entry.paymentId))], manager);
    const objects = await this.objects.buildMany(payments, manager);
    const byId = new Map(payments.map((payment, i) => [payment.id, { payment, object: objects[i]! }]));
    const events = entries.map(({ type, paymentId }) => {
      const found = byId.get(paymentId);
      if (!found) throw new Error(`Cannot record ${type}: payment ${paymentId} does not exist`);
      return { merchantId: found.payment.merchantId, type, paymentId, payload: buildEventPayload(newId('event', now.getTime()), type, now, found.object) };
    });
    const stored = await this.events.appendMany(manager, events);
    // Workers only need to be woken; one notification stands for the whole batch.
    await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_NOTIFY_CHANNEL, stored[0]!.id]);
    return stored;
  }
}
