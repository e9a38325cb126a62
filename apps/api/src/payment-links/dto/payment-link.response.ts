import { ApiProperty } from '@nestjs/swagger';

import { PAYMENT_LINK_STATUSES } from '@kassa/domain';

/** One accepted coin of a priced link. */
export class PaymentLinkCoinResponse {
  @ApiProperty({ example: 'USDC' }) currency!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Null: every configured chain that carries the coin.' }) chainId!: number | null;
}

/** The price of a priced link. */
export class PaymentLinkPriceResponse {
  @ApiProperty({ example: '25.00' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
}

/** OpenAPI description of the payment link object. */
export class PaymentLinkResponse {
  @ApiProperty({ example: 'pl_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['payment_link'] }) object!: string;
  @ApiProperty({ enum: PAYMENT_LINK_STATUSES, description: 'active; inactive (deactivated); expired; completed (single-use and paid).' }) status!: string;
  @ApiProperty({ example: 'http://localhost:3000/l/pl_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', description: 'The public URL to share: each visit creates a payment and opens its checkout.' })
  url!: string;
  @ApiProperty({ description: 'An SVG QR code of url, for printing.' }) qrCodeUrl!: string;
  @ApiProperty({ description: 'False: single-use.' }) reusable!: boolean;
  @ApiProperty({ nullable: true, type: String, example: '25.50', description: 'Fixed coin: decimal string in token units.' }) amount!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'USDC' }) currency!: string | null;
  @ApiProperty({ nullable: true, type: Number }) chainId!: number | null;
  @ApiProperty({ nullable: true, type: PaymentLinkPriceResponse }) price!: PaymentLinkPriceResponse | null;
  @ApiProperty({ nullable: true, type: [PaymentLinkCoinResponse] }) acceptedCurrencies!: PaymentLinkCoinResponse[] | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Copied into every payment the link creates.' }) metadata!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) successUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) cancelUrl!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deactivatedAt!: string | null;
}

/** OpenAPI description of a page of payment links. */
export class PaymentLinkListResponse {
  @ApiProperty({ enum: ['list'] }) object!: string;
  @ApiProperty({ type: [PaymentLinkResponse] }) data!: PaymentLinkResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as startingAfter for the next page.' }) nextCursor!: string | null;
}
