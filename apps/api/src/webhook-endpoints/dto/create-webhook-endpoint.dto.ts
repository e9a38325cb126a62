import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

import { EVENT_TYPES, type EventType } from '@kassa/domain';
import { MAX_WEBHOOK_URL_LENGTH } from '@kassa/webhooks';

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

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: 'Event types to receive; empty or omitted: all.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true })
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
