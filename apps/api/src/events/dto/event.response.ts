import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';

import { EVENT_PAYLOAD_VERSION, EVENT_TYPES, type EventPayload } from '@kassa/domain';
import { DELIVERY_STATUSES, type Delivery, type DeliveryAttempt } from '@kassa/persistence';

import { PaymentResponse } from '../../payments/dto/payment.response';
import { PayoutResponse } from '../../payouts/dto/payout.response';
import { RefundResponse } from '../../refunds/dto/refund.response';

/** OpenAPI description of a test event's data (`webhook_endpoint.test`). */
export class WebhookEndpointTestResponse {
  @ApiProperty({ enum: ['webhook_endpoint_test'] }) object!: string;
  @ApiProperty({ example: 'we_01JD3M7A1T9W2C8Q4R6V0XKZ5N', description: 'The endpoint it was sent to.' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty() message!: string;
}

/** An event: exactly the JSON body its webhooks carry. */
@ApiExtraModels(PaymentResponse, RefundResponse, PayoutResponse, WebhookEndpointTestResponse)
export class EventResponse {
  @ApiProperty({ example: 'evt_01JD3M7A1T9W2C8Q4R6V0XKZ5N', description: 'Also the `webhook-id` header of its deliveries.' }) id!: string;
  @ApiProperty({ enum: ['event'] }) object!: 'event';
  @ApiProperty({ enum: EVENT_TYPES }) type!: string;
  @ApiProperty({ example: EVENT_PAYLOAD_VERSION, description: 'Version of the payload schema (docs/webhooks.md).' }) apiVersion!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(PaymentResponse) }, { $ref: getSchemaPath(RefundResponse) }, { $ref: getSchemaPath(PayoutResponse) }, { $ref: getSchemaPath(WebhookEndpointTestResponse) }],
    description:
      'What the event is about as it was when it happened: the payment (`payment.*`), the refund (`refund.*`), the payout (`payout.*`), or the endpoint a test was sent to (`webhook_endpoint.test`); `data.object` says which.',
  })
  data!: PaymentResponse | RefundResponse | PayoutResponse | WebhookEndpointTestResponse;
}

/** One HTTP attempt of a delivery. */
export class DeliveryAttemptResponse {
  @ApiProperty({ example: 1 }) attemptNumber!: number;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ example: 84, description: 'Milliseconds from connecting to the end of the response or the failure.' }) durationMs!: number;
  @ApiProperty({ nullable: true, type: Number, example: 200, description: 'null when no response arrived.' }) statusCode!: number | null;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Why the attempt failed when the status alone does not say (timeout, refused, redirect).' })
  error!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The first 2 KiB of the response body.' }) responseBody!: string | null;
}

/** The delivery of an event to one endpoint, with its attempts. */
export class DeliveryResponse {
  @ApiProperty({ example: 'dlv_01JD3M7A1T9W2C8Q4R6V0XKZ5P' }) id!: string;
  @ApiProperty({ enum: ['delivery'] }) object!: 'delivery';
  @ApiProperty({ example: 'we_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) endpointId!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES, description: 'pending (waiting for its next attempt), delivering (being sent), delivered, failed (retries exhausted).' })
  status!: string;
  @ApiProperty() attemptCount!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When a pending delivery is tried next.' }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ type: [DeliveryAttemptResponse] }) attempts!: DeliveryAttemptResponse[];
}

/** An event with its deliveries (`GET /v1/events/:id`). */
export class EventWithDeliveriesResponse extends EventResponse {
  @ApiProperty({ type: [DeliveryResponse] }) deliveries!: DeliveryResponse[];
}

/** A page of events. */
export class EventListResponse {
  @ApiProperty({ enum: ['list'] }) object!: 'list';
  @ApiProperty({ type: [EventResponse] }) data!: EventResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}

/** A queued delivery of a redelivery request. */
export class QueuedDeliveryResponse {
  @ApiProperty({ example: 'dlv_01JD3M7A1T9W2C8Q4R6V0XKZ5P' }) id!: string;
  @ApiProperty({ example: 'we_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) endpointId!: string;
}

/** The answer to `POST /v1/events/:id/redeliver` (202: the deliveries are queued, not yet sent). */
export class RedeliveryResponse {
  @ApiProperty({ enum: ['redelivery'] }) object!: 'redelivery';
  @ApiProperty() eventId!: string;
  @ApiProperty({ type: [QueuedDeliveryResponse], description: 'Empty when no enabled endpoint is subscribed, or when each one is being sent right now.' })
  deliveries!: QueuedDeliveryResponse[];
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The event as merchants see it: the stored webhook body. */
export function toEventResponse(payload: EventPayload): EventResponse {
  return payload as unknown as EventResponse;
}

/** A delivery with its attempts as merchants see them. */
export function toDeliveryResponse(delivery: Delivery, attempts: readonly DeliveryAttempt[]): DeliveryResponse {
  return {
    id: delivery.id,
    object: 'delivery',
    endpointId: delivery.endpointId,
    url: delivery.url,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
    lastAttemptAt: iso(delivery.lastAttemptAt),
    deliveredAt: iso(delivery.deliveredAt),
    attempts: attempts.map((attempt) => ({
      attemptNumber: attempt.attemptNumber,
      startedAt: attempt.startedAt.toISOString(),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode,
      error: attempt.error,
      responseBody: attempt.responseBody,
    })),
  };
}
