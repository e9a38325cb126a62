import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

import { PageSizeQuery } from '../../common/page.query';

/** Query of `GET /v1/payment-links`: newest first, cursor pagination. */
export class ListPaymentLinksQuery extends PageSizeQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only links not deactivated; false: only deactivated ones.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';

  @ApiPropertyOptional({ description: 'A payment link id: return the links after it (older ones).' })
  @IsOptional()
  @Matches(/^pl_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a payment link id' })
  startingAfter?: string;
}
