import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { EVENT_TYPES, type EventType } from '@kassa/domain';

/** Body of `POST /v1/webhook-endpoints`. */
export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://shop.example/webhooks/kassa', description: 'http(s) URL; private and loopback hosts only where the operator allows them.' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: 'Event types to receive; empty or omitted: all.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  enabledEvents?: EventType[];

  @ApiPropertyOptional({ example: 'Order service' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
