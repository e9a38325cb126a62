import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';

import { SETTLEMENT_STATUSES, type SettlementStatus } from '@kassa/domain';

const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value);

/** Query of `GET /v1/settlements`: filters and cursor pagination, newest first. */
export class ListSettlementsQuery {
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
  @Transform(toInt)
  @IsInt({ message: 'must be an integer chain id' })
  @Min(1)
  chainId?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only settlements created at or after this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only settlements created before this time (ISO 8601).' })
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

  @ApiPropertyOptional({ description: 'A settlement id: return the settlements after it (older ones); pass the previous page\'s nextCursor.' })
  @IsOptional()
  @Matches(/^stl_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a settlement id' })
  startingAfter?: string;
}
