import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional } from 'class-validator';

import { CreatePaymentDto } from '../../payments/dto/create-payment.dto';

/**
 * Body of `POST /v1/payment-links`: the payment each visit creates (a fixed coin, or a price
 * with the accepted coins, as `POST /v1/payments` takes them, checked the same way), whether
 * the link is reusable, and when it expires (docs/payment-links.md).
 */
export class CreatePaymentLinkDto extends PickType(CreatePaymentDto, [
  'amount',
  'currency',
  'chainId',
  'price',
  'acceptedCurrencies',
  'description',
  'metadata',
  'successUrl',
  'cancelUrl',
] as const) {
  @ApiPropertyOptional({ default: true, description: 'False: single-use, the link creates no payment once one of its payments is PAID.' })
  @IsOptional()
  @IsBoolean()
  reusable?: boolean;

  @ApiPropertyOptional({ format: 'date-time', example: '2027-01-31T23:59:59Z', description: 'After this time a visit creates no payment; default never.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}
