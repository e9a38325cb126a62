import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

import { EVENT_TYPES, type EventType } from '@kassa/domain';
import { MAX_WEBHOOK_URL_LENGTH } from '@kassa/webhooks';

/** Body of `PATCH /v1/webhook-endpoints/:id`: the fields to change; omitted fields keep their value. */
export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://shop.example/webhooks/kassa-v2', maxLength: MAX_WEBHOOK_URL_LENGTH })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: 'Event types to receive; empty: all.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true })
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
