import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, TRANSFER_STATUSES } from '@kassa/domain';

import { PaymentSettlementResponse } from '../../settlements/dto/settlement.response';

/** OpenAPI description of a transfer inside the payment object. */
export class TransferResponse {
  @ApiProperty({ example: '0x5c50…' }) txHash!: string;
  @ApiProperty({ example: 3, description: 'Log index; -1 for a native-coin transaction.' }) logIndex!: number;
  @ApiProperty({ example: '1042' }) blockNumber!: string;
  @ApiProperty() from!: string;
  @ApiProperty({ example: '25.5' }) amount!: string;
  @ApiProperty({ example: '25500000' }) amountBaseUnits!: string;
  @ApiProperty({ example: 3 }) confirmations!: number;
  @ApiProperty({ enum: TRANSFER_STATUSES }) status!: string;
  @ApiProperty({ description: 'False for a transfer of another token: recorded, never counted.' }) counted!: boolean;
}

/** OpenAPI description of the token of a payment. */
export class TokenResponse {
  @ApiProperty({ nullable: true, type: String, description: 'ERC-20 contract; null for the native coin.' }) address!: string | null;
  @ApiProperty({ example: 6 }) decimals!: number;
}

/** OpenAPI description of the payment object (the same JSON webhooks carry in `data`). */
export class PaymentResponse {
  @ApiProperty({ example: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['payment'] }) object!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES }) status!: string;
  @ApiProperty({ enum: PAYMENT_EXCEPTIONS, nullable: true, type: String }) exception!: string | null;
  @ApiProperty({ example: '25.5', description: 'Decimal string in token units.' }) amount!: string;
  @ApiProperty({ example: '25500000', description: 'Integer string in base units.' }) amountBaseUnits!: string;
  @ApiProperty({ example: '0' }) amountReceived!: string;
  @ApiProperty({ example: '0' }) amountReceivedBaseUnits!: string;
  @ApiProperty({ example: 'USDC' }) currency!: string;
  @ApiProperty({ type: TokenResponse }) token!: TokenResponse;
  @ApiProperty({ example: 31337 }) chainId!: number;
  @ApiProperty({ description: 'Per-payment CREATE2 deposit address bound to the treasury.' }) depositAddress!: string;
  @ApiProperty({ description: 'EIP-681 payment request URI.' }) paymentUri!: string;
  @ApiProperty() checkoutUrl!: string;
  @ApiProperty({ example: 3 }) requiredConfirmations!: number;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) orderId!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) successUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) cancelUrl!: string | null;
  @ApiProperty({ type: [TransferResponse] }) transfers!: TransferResponse[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) paidAt!: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) finalizedAt!: string | null;
  @ApiProperty({
    type: PaymentSettlementResponse,
    nullable: true,
    description: 'Where the deposit address\'s funds stand (docs/settlement.md); null while the payment is open or when it never received anything.',
  })
  settlement!: PaymentSettlementResponse | null;
}

/** OpenAPI description of a page of payments. */
export class PaymentListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [PaymentResponse] }) data!: PaymentResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}
