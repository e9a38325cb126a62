import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

import { PAYOUT_STATUSES, type PayoutStatus } from '@kassa/domain';

import { CreatedRangePageQuery } from '../../common/page.query';

/** Query of `GET /v1/payouts`: filters and cursor pagination, newest first. */
export class ListPayoutsQuery extends CreatedRangePageQuery {
  @ApiPropertyOptional({ enum: PAYOUT_STATUSES })
  @IsOptional()
  @IsIn(PAYOUT_STATUSES)
  status?: PayoutStatus;

  @ApiPropertyOptional({ description: 'Only the payouts of this batch.' })
  @IsOptional()
  @Matches(/^pob_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payout batch id' })
  batchId?: string;

  @ApiPropertyOptional({ description: 'A payout id: return the payouts after it (older ones).' })
  @IsOptional()
  @Matches(/^po_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payout id' })
  startingAfter?: string;
}
