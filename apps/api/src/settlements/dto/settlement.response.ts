import { ApiProperty } from '@nestjs/swagger';

import { PAYMENT_SETTLEMENT_STATUSES, SETTLEMENT_STATUSES } from '@kassa/domain';

import { TokenResponse } from '../../payments/dto/token.response';

/** OpenAPI description of the payment object's `settlement`. */
export class PaymentSettlementResponse {
  @ApiProperty({
    enum: PAYMENT_SETTLEMENT_STATUSES,
    description:
      'unsettled: value waits at the deposit address for the merchant\'s settlement policy; pending: in a transaction not yet confirmed; settled: at the treasury; failed: the last attempt failed, Kassa tries again; off: the merchant\'s policy leaves settlement to the merchant.',
  })
  status!: string;

  @ApiProperty({ nullable: true, type: String, example: 'stl_01JD3M9C4V2N8Q5R7T0W3XKZ6A', description: 'The latest settlement (GET /v1/settlements/:id).' })
  id!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Its transaction: the mined one, or while pending the latest broadcast.' })
  txHash!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  settledAt!: string | null;
}

/** OpenAPI description of one asset a settlement moved. */
export class SettlementAmountResponse {
  @ApiProperty({ example: 'USDC' }) currency!: string;
  @ApiProperty({ type: TokenResponse }) token!: TokenResponse;
  @ApiProperty({ example: '25.5', description: 'Decimal string in token units.' }) amount!: string;
  @ApiProperty({ example: '25500000', description: 'Integer string in base units.' }) amountBaseUnits!: string;
}

/** OpenAPI description of a settlement's transaction. */
export class SettlementTransactionResponse {
  @ApiProperty({ description: 'The mined transaction, or while pending the latest one broadcast (a fee replacement changes it).' }) hash!: string;
  @ApiProperty({ example: 12 }) nonce!: number;
  @ApiProperty({ nullable: true, type: String, example: '1042' }) blockNumber!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '110286', description: 'Gas of the whole transaction.' }) gasUsed!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Wei per gas paid.' }) effectiveGasPrice!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'gasUsed x effectiveGasPrice, wei, for the whole transaction (paid by the operator\'s gas payer).' }) fee!: string | null;
  @ApiProperty({ example: 3, description: 'Payments the transaction settles.' }) batchSize!: number;
}

/** OpenAPI description of a settlement: one flush of one payment's deposit address to its treasury. */
export class SettlementResponse {
  @ApiProperty({ example: 'stl_01JD3M9C4V2N8Q5R7T0W3XKZ6A' }) id!: string;
  @ApiProperty({ enum: ['settlement'] }) object!: string;
  @ApiProperty({ example: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) paymentId!: string;
  @ApiProperty({ enum: SETTLEMENT_STATUSES, description: 'pending, settled (also when the address was already flushed by someone else: then without transaction), or failed (tried again later).' })
  status!: string;
  @ApiProperty({ example: 31337 }) chainId!: number;
  @ApiProperty() depositAddress!: string;
  @ApiProperty({ description: 'The only address the deposit address can pay.' }) treasuryAddress!: string;
  @ApiProperty({ type: [SettlementAmountResponse], description: 'What reached the treasury, from the transaction\'s Flushed events; empty until settled.' })
  amounts!: SettlementAmountResponse[];
  @ApiProperty({ type: SettlementTransactionResponse, nullable: true }) transaction!: SettlementTransactionResponse | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) settledAt!: string | null;
}

/** OpenAPI description of a page of settlements. */
export class SettlementListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [SettlementResponse] }) data!: SettlementResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}
