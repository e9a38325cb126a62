import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { buildEventPayload, type EventType, type MerchantId, newId, type PaymentObject, type Payout, type PayoutEventType, type RefundEventType, toPayoutObject } from '@kassa/domain';
import { EventsRepository, type NewEvent, PaymentObjectsService, PaymentsRepository, PreparedEvents, RefundObjectsService, type StoredEvent, type StoredRefund } from '@kassa/persistence';

import { OUTBOX_NOTIFY_CHANNEL } from '../delivery/outbox-notifications';

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
    private readonly refundObjects: RefundObjectsService,
  ) {}

  /**
   * Appends a `type` event for the payment as it stands in `manager`'s transaction, and
   * queues its deliveries (as {@link recordMany}, for one payment).
   * @throws Error when the payment does not exist (a programming error: callers hold it)
   */
  async record(manager: EntityManager, type: EventType, paymentId: string, now: Date = new Date()): Promise<StoredEvent> {
    const [event] = await this.recordMany(manager, [{ type, paymentId }], now);
    return event!;
  }

  /**
   * Appends events for many payments as they stand in `manager`'s transaction, with a
   * constant number of queries whatever their number (payments, their objects, one outbox
   * statement, one notification): a block follower announces every payment a block changed
   * this way, the scheduler a batch of timeouts, settlement a batch of flushes.
   * ({@link prepareMany} then {@link recordPrepared}.)
   * @param known objects the caller already holds as they stand in this transaction (the
   *   watcher's payments that were open: `PaymentObjectsService.buildFromOpen`), by payment
   *   id; the others are read
   * @returns the stored events, in input order
   * @throws Error when a payment does not exist
   */
  async recordMany(
    manager: EntityManager,
    entries: readonly { type: EventType; paymentId: string }[],
    now: Date = new Date(),
    known: ReadonlyMap<string, { merchantId: MerchantId; object: PaymentObject }> = new Map(),
  ): Promise<StoredEvent[]> {
    return this.recordPrepared(manager, await this.prepareMany(manager, entries, now, known));
  }

  /**
   * Builds and serialises the events {@link recordMany} appends, without appending them: the
   * payments not in `known` are read in `manager`'s transaction (none when all are known,
   * and the payloads are then built before this returns). Append them with
   * {@link recordPrepared} in the same transaction.
   * @throws Error when a payment does not exist
   */
  async prepareMany(
    manager: EntityManager,
    entries: readonly { type: EventType; paymentId: string }[],
    now: Date,
    known: ReadonlyMap<string, { merchantId: MerchantId; object: PaymentObject }>,
  ): Promise<PreparedEvents> {
    if (entries.length === 0) return new PreparedEvents([]);
    const unknown = [...new Set(entries.map((entry) => entry.paymentId))].filter((id) => !known.has(id));
    const payments = unknown.length > 0 ? await this.payments.findManyByIdsUnscoped(unknown, manager) : [];
    const objects = payments.length > 0 ? await this.objects.buildMany(payments, manager) : [];
    const byId = new Map(known);
    payments.forEach((payment, i) => byId.set(payment.id, { merchantId: payment.merchantId, object: objects[i]! }));
    const events = entries.map(({ type, paymentId }) => {
      const found = byId.get(paymentId);
      if (!found) throw new Error(`Cannot record ${type}: payment ${paymentId} does not exist`);
      return { merchantId: found.merchantId, type, paymentId, payload: buildEventPayload(newId('event', now.getTime()), type, now, found.object) };
    });
    return new PreparedEvents(events);
  }

  /**
   * Appends events made by {@link prepareMany} to the outbox with their deliveries.
   * @returns the stored events, in the order they were prepared
   */
  async recordPrepared(manager: EntityManager, prepared: PreparedEvents): Promise<StoredEvent[]> {
    // Workers only need to be woken; one notification stands for the whole batch.
    return (await this.events.append(manager, prepared, OUTBOX_NOTIFY_CHANNEL)).map((appended) => appended.event);
  }

  /**
   * Appends a `refund.*` event whose data is the refund object as it stands now (docs/refunds.md),
   * in `manager`'s transaction, with the refund's state change.
   */
  async recordRefund(manager: EntityManager, type: RefundEventType, refund: StoredRefund, now: Date = new Date()): Promise<StoredEvent> {
    const payload = buildEventPayload(newId('event', now.getTime()), type, now, this.refundObjects.build(refund));
    return this.appendOne(manager, { merchantId: refund.merchantId, type, paymentId: refund.paymentId, payload });
  }

  /**
   * Appends a `payout.*` event whose data is the payout object as it stands now, in
   * `manager`'s transaction. A payout that pays a refund announces nothing of its own: its
   * refund's `refund.*` events tell the story.
   */
  async recordPayout(manager: EntityManager, type: PayoutEventType, payout: Payout, now: Date = new Date()): Promise<StoredEvent | null> {
    if (payout.refundId !== null) return null;
    const payload = buildEventPayload(newId('event', now.getTime()), type, now, toPayoutObject(payout));
    return this.appendOne(manager, { merchantId: payout.merchantId, type, paymentId: null, payload });
  }

  private async appendOne(manager: EntityManager, event: NewEvent): Promise<StoredEvent> {
    const [appended] = await this.events.append(manager, [event], OUTBOX_NOTIFY_CHANNEL);
    return appended!.event;
  }
}
