import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength, Validate } from 'class-validator';

import { MAX_ALLOWED_ORIGINS, MAX_EXPIRES_IN_SECONDS, MIN_EXPIRES_IN_SECONDS } from '@kassa/domain';

import { IsEvmAddress, IsTolerancePercent, IsWebOrigin, TreasuryChangesConstraint } from '../../common/validators';

/** Body of `PATCH /v1/merchant`: the settings to change; omitted fields keep their value. */
export class UpdateMerchantSettingsDto {
  @ApiPropertyOptional({ example: 'Café Kassa', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    description: 'Default treasury: where deposit addresses of chains without their own treasury forward funds. EIP-55 checksum checked.',
  })
  @IsOptional()
  @IsEvmAddress()
  treasuryAddress?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    example: { '31337': '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
    description: 'Treasury per chain id (a configured chain); null removes the chain\'s own treasury. Other chains keep theirs.',
  })
  @IsOptional()
  @IsObject()
  @Validate(TreasuryChangesConstraint)
  treasuries?: Record<string, string | null>;

  @ApiPropertyOptional({
    example: '0.5',
    description: 'Underpayment accepted as paid, percent: a decimal string from "0" to "99.99", at most 2 decimals.',
  })
  @IsOptional()
  @IsTolerancePercent()
  tolerancePercent?: string;

  @ApiPropertyOptional({ minimum: MIN_EXPIRES_IN_SECONDS, maximum: MAX_EXPIRES_IN_SECONDS, example: 1800, description: 'Deadline of a payment that sets none.' })
  @IsOptional()
  @IsInt()
  @Min(MIN_EXPIRES_IN_SECONDS)
  @Max(MAX_EXPIRES_IN_SECONDS)
  defaultExpiresInSeconds?: number;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://shop.example'],
    maxItems: MAX_ALLOWED_ORIGINS,
    description: 'Origins allowed to embed the checkout (`?embed=1`) and receive its `kassa:payment` messages; replaces the list.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_ORIGINS)
  @ArrayUnique()
  @IsWebOrigin({ each: true })
  allowedOrigins?: string[];
}
