import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { Transform } from 'class-transformer';

import { queryInt } from '../../common/page.query';

/** Query of `GET /v1/payment-links`: newest first, cursor pagination. */
export class ListPaymentLinksQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only links not deactivated; false: only deactivated ones.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'A payment link id: return the links after it (older ones).' })
  @IsOptional()
  @Matches(/^pl_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment link id' })
  startingAfter?: string;
}
