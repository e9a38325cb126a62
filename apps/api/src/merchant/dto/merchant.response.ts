import { ApiProperty } from '@nestjs/swagger';

import type { Merchant } from '@kassa/persistence';

/** The merchant's settings (`GET /v1/merchant`). */
export class MerchantResponse {
  @ApiProperty({ example: 'mer_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['merchant'] }) object!: 'merchant';
  @ApiProperty({ example: 'Café Kassa' }) name!: string;
  @ApiProperty({ example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', description: 'Default treasury.' }) treasuryAddress!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { '31337': '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
    description: 'Treasury per chain id; chains not listed use treasuryAddress.',
  })
  treasuries!: Record<string, string>;
  @ApiProperty({ example: '0.50', description: 'Underpayment accepted as paid, percent.' }) tolerancePercent!: string;
  @ApiProperty({ example: 1800 }) defaultExpiresInSeconds!: number;
  @ApiProperty({ type: [String], example: ['https://shop.example'] }) allowedOrigins!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** The merchant as it sees itself. */
export function toMerchantResponse(merchant: Merchant): MerchantResponse {
  return {
    id: merchant.id,
    object: 'merchant',
    name: merchant.name,
    treasuryAddress: merchant.treasuryAddress,
    treasuries: merchant.treasuries,
    tolerancePercent: merchant.tolerancePercent,
    defaultExpiresInSeconds: merchant.defaultExpiresInSeconds,
    allowedOrigins: merchant.allowedOrigins,
    createdAt: merchant.createdAt.toISOString(),
    updatedAt: merchant.updatedAt.toISOString(),
  };
}
