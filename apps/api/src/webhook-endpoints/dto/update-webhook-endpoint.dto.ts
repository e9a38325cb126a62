import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

import type { EventType } from '@kassa/domain';
import { MAX_WEBHOOK_URL_LENGTH } from '@kassa/webhooks';

import { EnabledEventsProperty } from './enabled-events.property';

/** Body of `PATCH /v1/webhook-endpoints/:id`: the fields to change; omitted fields keep their value. */
export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://shop.example/webhooks/kassa-v2', maxLength: MAX_WEBHOOK_URL_LENGTH })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url?: string;

  @EnabledEventsProperty('Event types to receive; empty: all.')
  enabledEvents?: EventType[];

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, description: 'null clears it.' })
  @ValidateIf((_object, value) => value !== null)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'false: no deliveries of new events, queued ones wait; true: resumes.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
