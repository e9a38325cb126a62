import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';

import { EVENT_TYPES, type EventType } from '@kassa/domain';

const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

/** Query of `GET /v1/events`: filters and cursor pagination, newest first. */
export class ListEventsQuery {
  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES)
  type?: EventType;

  @ApiPropertyOptional({ example: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', description: 'Only the events of this payment.' })
  @IsOptional()
  @Matches(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment id' })
  paymentId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events created at or after this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only events created before this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdTo?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'An event id: return the events after it (older ones); pass the previous page\'s nextCursor.' })
  @IsOptional()
  @Matches(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be an event id' })
  startingAfter?: string;
}
