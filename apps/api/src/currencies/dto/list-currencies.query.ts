import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

/** Query of `GET /v1/currencies`. */
export class ListCurrenciesQuery {
  @ApiPropertyOptional({ example: 'USD', default: 'USD', pattern: '^[A-Z]{3}$', description: 'What the rates are in: an ISO 4217-style code.' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'must be a 3-letter uppercase currency code, e.g. USD' })
  pricingCurrency?: string;
}
