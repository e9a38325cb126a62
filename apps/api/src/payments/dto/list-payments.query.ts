import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

import { PAYMENT_STATUSES, type PaymentStatus } from '@kassa/domain';

import { CreatedRangePageQuery } from '../../common/page.query';

/** Query of `GET /v1/payments`: filters and cursor pagination, newest first. */
export class ListPaymentsQuery extends CreatedRangePageQuery {
  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  status?: PaymentStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  orderId?: string;

  @ApiPropertyOptional({ description: 'Only the payments created by visits of this payment link.' })
  @IsOptional()
  @Matches(/^pl_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment link id' })
  paymentLinkId?: string;

  @ApiPropertyOptional({ description: 'A payment id: return the payments after it (older ones).' })
  @IsOptional()
  @Matches(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment id' })
  startingAfter?: string;
}
