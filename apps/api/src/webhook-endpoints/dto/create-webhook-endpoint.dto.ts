import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

import type { EventType } from '@kassa/domain';
import { MAX_WEBHOOK_URL_LENGTH } from '@kassa/webhooks';

import { EnabledEventsProperty } from './enabled-events.property';

/** Body of `POST /v1/webhook-endpoints`. */
export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://shop.example/webhooks/kassa',
    maxLength: MAX_WEBHOOK_URL_LENGTH,
    description: 'http(s) URL; loopback and private hosts only where the operator allows them.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url!: string;

  @EnabledEventsProperty('Event types to receive; empty or omitted: all.')
  enabledEvents?: EventType[];

  @ApiPropertyOptional({ example: 'Order service', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true, description: 'A disabled endpoint gets no deliveries of new events; deliveries queued before wait until it is enabled again.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
