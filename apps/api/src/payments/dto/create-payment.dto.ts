import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,

  Max,
  MaxLength,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, require_valid_protocol: true };

/** Metadata must stay small: at most 50 keys and 8 KiB of JSON. */
@ValidatorConstraint({ name: 'smallMetadata' })
class SmallMetadata implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    return Object.keys(value).length <= 50 && Buffer.byteLength(JSON.stringify(value)) <= 8192;
  }

  defaultMessage(): string {
    return 'must be an object with at most 50 keys and 8 KiB of JSON';
  }
}

/** Body of `POST /v1/payments`. */
export class CreatePaymentDto {
  @ApiProperty({ example: '25.50', description: 'Amount as a decimal string in token units; at most the token\'s decimals.' })
  @IsString({ message: 'must be a decimal string such as "25.50"' })
  @IsNotEmpty()
  @MaxLength(100)
  amount!: string;

  @ApiProperty({ example: 'USDC', description: 'Token symbol, or the native coin\'s symbol (ETH).' })
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

  @ApiPropertyOptional({ example: 'order-1042', description: 'The merchant\'s order reference.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  orderId?: string;

  @ApiPropertyOptional({ example: 'Two coffees', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Free-form JSON object, returned as given (at most 50 keys, 8 KiB).' })
  @IsOptional()
  @IsObject()
  @Validate(SmallMetadata)
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'https://shop.example/thanks', description: 'Where the checkout page sends the customer once PAID.' })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'must be an http(s) URL' })
  @MaxLength(2000)
  successUrl?: string;

  @ApiPropertyOptional({ example: 'https://shop.example/cart', description: 'Where the checkout page sends the customer on TIMEOUT or CANCELED.' })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'must be an http(s) URL' })
  @MaxLength(2000)
  cancelUrl?: string;

  @ApiPropertyOptional({ example: 1800, minimum: 60, maximum: 604800, description: 'Seconds until the deadline; default the merchant\'s setting (30 minutes).' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  expiresInSeconds?: number;
}

/** The `Idempotency-Key` header: 1 to 255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
