import { ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

import { REFUND_METHODS, type RefundMethod } from '@kassa/domain';

/** Body of `POST /v1/payments/{id}/refunds` (docs/refunds.md). */
export class CreateRefundDto {
  @ApiPropertyOptional({
    example: '5.25',
    description:
      'Decimal string in the coin the payment was paid in. Default: the excess of an OVERPAID or PAID_LATE payment, else everything received (less earlier refunds).',
  })
  @IsOptional()
  @IsString({ message: 'must be a decimal string such as "5.25"' })
  @IsNotEmpty()
  @MaxLength(100)
  amount?: string;

  @ApiPropertyOptional({ example: 'Order cancelled by the customer', description: 'Why the money goes back; shown to the customer on the claim page.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({
    example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    description: 'The customer\'s address on the payment\'s network (EIP-55 checksum checked). Omitted: the customer gives it on the claim page (`claimUrl`).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(42)
  address?: string;

  @ApiPropertyOptional({
    enum: [true],
    description:
      'Send it to the address the payment came from. Only when the merchant knows that address is the customer\'s own: exchanges send from shared wallets.',
  })
  @IsOptional()
  @Equals(true, { message: 'must be true when given' })
  refundToSender?: true;

  @ApiPropertyOptional({
    enum: REFUND_METHODS,
    description: 'payout_wallet: the worker sends it from the payout wallet; merchant_wallet: the merchant pays it on the approval page. Default: payout_wallet when one is configured.',
  })
  @IsOptional()
  @IsIn(REFUND_METHODS)
  method?: RefundMethod;
}
