import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, Validate, ValidateNested } from 'class-validator';

import { SmallMetadata } from '../../payments/dto/create-payment.dto';

/** Body of `POST /v1/payouts`, and one entry of a batch (docs/refunds.md "Payouts"). */
export class CreatePayoutDto {
  @ApiProperty({ example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', description: 'Recipient on the chain (EIP-55 checksum checked); never a Kassa deposit address.' })
  @IsString()
  @MaxLength(42)
  address!: string;

  @ApiProperty({ example: '150.00', description: 'Decimal string in the coin; at most its decimals.' })
  @IsString({ message: 'must be a decimal string such as "150.00"' })
  @IsNotEmpty()
  @MaxLength(100)
  amount!: string;

  @ApiProperty({ example: 'USDC', description: 'Token symbol, or the native coin\'s symbol.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(16)
  currency!: string;

  @ApiPropertyOptional({ example: 31337, description: 'EIP-155 chain id; optional when the currency exists on one chain only.' })
  @IsOptional()
  @IsInt({ message: 'must be an integer chain id' })
  @Min(1)
  @Max(2 ** 53 - 1)
  chainId?: number;

  @ApiPropertyOptional({ example: 'Supplier invoice 2026-118' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 50 keys and 8 KiB of JSON, returned as given.' })
  @IsOptional()
  @IsObject()
  @Validate(SmallMetadata)
  metadata?: Record<string, unknown>;
}

/** Body of `POST /v1/payouts/batch`: up to 100 payouts, created together or not at all. */
export class CreatePayoutBatchDto {
  @ApiProperty({ type: [CreatePayoutDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => CreatePayoutDto)
  payouts!: CreatePayoutDto[];
}
