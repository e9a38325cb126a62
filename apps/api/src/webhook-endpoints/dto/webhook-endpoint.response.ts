import { ApiProperty } from '@nestjs/swagger';

import { EVENT_TYPES, type EventType } from '@kassa/domain';
import type { WebhookEndpoint } from '@kassa/persistence';

/** A webhook endpoint as merchants see it; the secret only in the creation and rotation responses. */
export class WebhookEndpointResponse {
  @ApiProperty({ example: 'we_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['webhook_endpoint'] }) object!: 'webhook_endpoint';
  @ApiProperty({ example: 'https://shop.example/webhooks/kassa' }) url!: string;
  @ApiProperty({ enum: EVENT_TYPES, isArray: true, description: 'Empty: every type.' }) enabledEvents!: EventType[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'After a rotation: until when the previous secret still signs too; null otherwise.',
  })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** The endpoint with its signing secret: answered once, on creation and on rotation. */
export class WebhookEndpointWithSecretResponse extends WebhookEndpointResponse {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Standard Webhooks secret; shown only now.' })
  secret!: string;
}

/** A list of endpoints. */
export class WebhookEndpointListResponse {
  @ApiProperty({ enum: ['list'] }) object!: 'list';
  @ApiProperty({ type: [WebhookEndpointResponse] }) data!: WebhookEndpointResponse[];
}

/** The endpoint as merchants see it (`now` decides whether a previous secret is still in its grace period). */
export function toWebhookEndpointResponse(endpoint: WebhookEndpoint, now: Date = new Date()): WebhookEndpointResponse {
  const grace = endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now ? endpoint.previousSecretExpiresAt : null;
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    url: endpoint.url,
    enabledEvents: endpoint.enabledEvents,
    enabled: endpoint.enabled,
    description: endpoint.description,
    previousSecretExpiresAt: grace ? grace.toISOString() : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** The endpoint with its secret, for the two answers that show it. */
export function toWebhookEndpointWithSecret(endpoint: WebhookEndpoint): WebhookEndpointWithSecretResponse {
  return { ...toWebhookEndpointResponse(endpoint), secret: endpoint.secret };
}
