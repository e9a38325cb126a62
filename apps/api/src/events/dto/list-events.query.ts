import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

import { EVENT_TYPES, type EventType } from '@kassa/domain';

import { CreatedRangePageQuery } from '../../common/page.query';

/** Query of `GET /v1/events`: filters and cursor pagination, newest first. */
export class ListEventsQuery extends CreatedRangePageQuery {
  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES)
  type?: EventType;

  @ApiPropertyOptional({ example: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', description: 'Only the events of this payment.' })
  @IsOptional()
  @Matches(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment id' })
  paymentId?: string;

  @ApiPropertyOptional({ description: 'An event id: return the events after it (older ones); pass the previous page\'s nextCursor.' })
  @IsOptional()
  @Matches(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be an event id' })
  startingAfter?: string;
}
