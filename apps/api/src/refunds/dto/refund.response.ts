import { ApiProperty } from '@nestjs/swagger';

import { REFUND_METHODS, REFUND_STATUSES } from '@kassa/domain';

import { TokenResponse } from '../../payments/dto/token.response';

/** OpenAPI description of the refund object (the same JSON `refund.*` webhooks carry in `data`). */
export class RefundResponse {
  @ApiProperty({ example: 'ref_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['refund'] }) object!: string;
  @ApiProperty({ example: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) paymentId!: string;
  @ApiProperty({ enum: REFUND_STATUSES }) status!: string;
  @ApiProperty({ enum: REFUND_METHODS }) method!: string;
  @ApiProperty({ example: '5.25', description: 'Decimal string in the payment\'s coin.' }) amount!: string;
  @ApiProperty({ example: '5250000' }) amountBaseUnits!: string;
  @ApiProperty({ example: 'USDC' }) currency!: string;
  @ApiProperty({ type: TokenResponse }) token!: TokenResponse;
  @ApiProperty({ example: 31337, description: 'The payment\'s chain: a refund goes out on the network the money came in on.' }) chainId!: number;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The customer\'s address; null until given.' }) address!: string | null;
  @ApiProperty({ nullable: true, enum: ['merchant', 'customer', 'sender'], type: String }) addressSource!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Hosted page where the customer gives the address; null once it is known.' }) claimUrl!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Hosted page that pays it from the merchant\'s wallet (method merchant_wallet), until sent; a secret link.' })
  approvalUrl!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) approvalExpiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The payout that sends it (method payout_wallet).' }) payoutId!: string | null;
  @ApiProperty({ nullable: true, type: String }) txHash!: string | null;
  @ApiProperty({ nullable: true, type: String }) blockNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) confirmedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) canceledAt!: string | null;
}

/** OpenAPI description of a page of refunds. */
export class RefundListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [RefundResponse] }) data!: RefundResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}
