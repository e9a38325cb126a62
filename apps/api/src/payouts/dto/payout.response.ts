import { ApiProperty } from '@nestjs/swagger';

import { PAYOUT_STATUSES } from '@kassa/domain';

import { TokenResponse } from '../../payments/dto/token.response';

/** OpenAPI description of the payout object (the same JSON `payout.*` webhooks carry in `data`). */
export class PayoutResponse {
  @ApiProperty({ example: 'po_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['payout'] }) object!: string;
  @ApiProperty({ enum: PAYOUT_STATUSES }) status!: string;
  @ApiProperty({ example: 31337 }) chainId!: number;
  @ApiProperty({ example: '150', description: 'Decimal string in the coin.' }) amount!: string;
  @ApiProperty({ example: '150000000' }) amountBaseUnits!: string;
  @ApiProperty({ example: 'USDC' }) currency!: string;
  @ApiProperty({ type: TokenResponse }) token!: TokenResponse;
  @ApiProperty() address!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The refund it pays, if any.' }) refundId!: string | null;
  @ApiProperty({ nullable: true, type: String }) batchId!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) txHash!: string | null;
  @ApiProperty({ nullable: true, type: String }) blockNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the worker waits to send it (e.g. the payout wallet holds too little).' }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) confirmedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) canceledAt!: string | null;
}

/** OpenAPI description of a page of payouts. */
export class PayoutListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [PayoutResponse] }) data!: PayoutResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}

/** OpenAPI description of a created batch. */
export class PayoutBatchResponse {
  @ApiProperty({ enum: ['payout_batch'] }) object!: string;
  @ApiProperty({ example: 'pob_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ type: [PayoutResponse] }) payouts!: PayoutResponse[];
}
