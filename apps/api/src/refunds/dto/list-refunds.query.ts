import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

import { REFUND_STATUSES, type RefundStatus } from '@kassa/domain';

import { CreatedRangePageQuery } from '../../common/page.query';

/** Query of `GET /v1/refunds`: filters and cursor pagination, newest first. */
export class ListRefundsQuery extends CreatedRangePageQuery {
  @ApiPropertyOptional({ enum: REFUND_STATUSES })
  @IsOptional()
  @IsIn(REFUND_STATUSES)
  status?: RefundStatus;

  @ApiPropertyOptional({ description: 'Only the refunds of this payment.' })
  @IsOptional()
  @Matches(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment id' })
  paymentId?: string;

  @ApiPropertyOptional({ description: 'A refund id: return the refunds after it (older ones).' })
  @IsOptional()
  @Matches(/^ref_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a refund id' })
  startingAfter?: string;
}
