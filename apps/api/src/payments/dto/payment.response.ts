import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, TRANSFER_STATUSES } from '@kassa/domain';

import { RefundResponse } from '../../refunds/dto/refund.response';
import { PaymentSettlementResponse } from '../../settlements/dto/settlement.response';

import { TokenResponse } from './token.response';

/** OpenAPI description of a transfer inside the payment object. */
export class TransferResponse {
  @ApiProperty({ example: 31337, description: 'EIP-155 chain id the transfer is on.' }) chainId!: number;
  @ApiProperty({ example: '0x5c50…' }) txHash!: string;
  @ApiProperty({ example: 3, description: 'Log index; -1 for a native-coin transaction.' }) logIndex!: number;
  @ApiProperty({ example: '1042' }) blockNumber!: string;
  @ApiProperty() from!: string;
  @ApiProperty({ example: '25.5' }) amount!: string;
  @ApiProperty({ example: '25500000' }) amountBaseUnits!: string;
  @ApiProperty({ example: 3 }) confirmations!: number;
  @ApiProperty({ enum: TRANSFER_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The payment option of its chain and coin; null for a coin the payment does not accept (recorded, never counted).' })
  optionId!: string | null;
  @ApiProperty({ description: 'True when it counts towards the option the payment stands on.' }) counted!: boolean;
}

/** OpenAPI description of a price (`price` of a priced payment). */
export class PriceResponse {
  @ApiProperty({ example: '25.00', description: 'Decimal string in the pricing currency, as given.' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
}

/** OpenAPI description of the rate an option was quoted at. */
export class OptionRateResponse {
  @ApiProperty({ example: '2500', description: 'Pricing-currency units per whole coin, exact decimal string.' }) value!: string;
  @ApiProperty({ example: 'USD' }) pricingCurrency!: string;
  @ApiProperty({ enum: ['peg', 'price_feed'] }) source!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The Chainlink-style aggregator read (price_feed).' }) feedAddress!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'The feed round\'s updatedAt (price_feed).' }) updatedAt!: string | null;
}

/** OpenAPI description of a payment option (docs/pricing.md). */
export class PaymentOptionResponse {
  @ApiProperty({ example: 'opt_01JD3N0C4F8W2B6N1V5X9Z3P7K' }) id!: string;
  @ApiProperty({ example: 31338 }) chainId!: number;
  @ApiProperty({ example: 'ETH' }) currency!: string;
  @ApiProperty({ type: TokenResponse }) token!: TokenResponse;
  @ApiProperty({ example: '0.01', description: 'Decimal string in the option\'s coin.' }) amount!: string;
  @ApiProperty({ example: '10000000000000000' }) amountBaseUnits!: string;
  @ApiProperty() depositAddress!: string;
  @ApiProperty({ description: 'EIP-681 URI that pays this option exactly.' }) paymentUri!: string;
  @ApiProperty({ type: OptionRateResponse, nullable: true, description: 'Null for a fixed-coin payment.' }) rate!: OptionRateResponse | null;
  @ApiProperty({ example: '0', description: 'Confirmed value received in this option.' }) amountReceived!: string;
  @ApiProperty({ example: '0' }) amountReceivedBaseUnits!: string;
  @ApiProperty({ description: 'The option the payment stands on (its top-level coin fields).' }) selected!: boolean;
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
  @ApiProperty({ example: 'USDC', description: 'The coin of the selected option (see options).' }) currency!: string;
  @ApiProperty({ type: TokenResponse }) token!: TokenResponse;
  @ApiProperty({ example: 31337 }) chainId!: number;
  @ApiProperty({ description: 'Per-payment CREATE2 deposit address bound to the treasury (of the selected option).' }) depositAddress!: string;
  @ApiProperty({ description: 'EIP-681 payment request URI.' }) paymentUri!: string;
  @ApiProperty() checkoutUrl!: string;
  @ApiProperty({ example: 3 }) requiredConfirmations!: number;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) orderId!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) successUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) cancelUrl!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'pl_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', description: 'The payment link whose visit created it; null for a payment created through the API.' })
  paymentLinkId!: string | null;
  @ApiProperty({ type: [TransferResponse] }) transfers!: TransferResponse[];
  @ApiProperty({ type: PriceResponse, nullable: true, description: 'The price the options were quoted from; null for a fixed-coin payment.' }) price!: PriceResponse | null;
  @ApiProperty({ type: [PaymentOptionResponse], description: 'Every way to pay the payment; a fixed-coin payment has one.' }) options!: PaymentOptionResponse[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) paidAt!: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) finalizedAt!: string | null;
  @ApiProperty({
    type: PaymentSettlementResponse,
    nullable: true,
    description: 'Where the deposit address\'s funds stand (docs/settlement.md); null while the payment is open or when it never received anything.',
  })
  settlement!: PaymentSettlementResponse | null;
  @ApiProperty({ type: () => [RefundResponse], description: 'The payment\'s refunds, oldest first (docs/refunds.md).' }) refunds!: RefundResponse[];
  @ApiProperty({ example: '0', description: 'What its refunds that are not failed or canceled give back (pending ones included), in the payment\'s coin.' })
  amountRefunded!: string;
  @ApiProperty({ example: '0' }) amountRefundedBaseUnits!: string;
}

/** OpenAPI description of a page of payments. */
export class PaymentListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [PaymentResponse] }) data!: PaymentResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}
