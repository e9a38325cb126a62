import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Min } from 'class-validator';

import { SETTLEMENT_STATUSES, type SettlementStatus } from '@kassa/domain';

import { CreatedRangePageQuery, queryInt } from '../../common/page.query';

/** Query of `GET /v1/settlements`: filters and cursor pagination, newest first. */
export class ListSettlementsQuery extends CreatedRangePageQuery {
  @ApiPropertyOptional({ example: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', description: 'Only the settlements of this payment.' })
  @IsOptional()
  @Matches(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment id' })
  paymentId?: string;

  @ApiPropertyOptional({ enum: SETTLEMENT_STATUSES })
  @IsOptional()
  @IsIn(SETTLEMENT_STATUSES)
  status?: SettlementStatus;

  @ApiPropertyOptional({ example: 31337 })
  @IsOptional()
  @Transform(queryInt)
  @IsInt({ message: 'must be an integer chain id' })
  @Min(1)
  chainId?: number;

  @ApiPropertyOptional({ description: 'A settlement id: return the settlements after it (older ones); pass the previous page\'s nextCursor.' })
  @IsOptional()
  @Matches(/^stl_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a settlement id' })
  startingAfter?: string;
}
