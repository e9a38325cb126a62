import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  Matches,
  ValidateIf,
  ValidateNested,
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
export class SmallMetadata implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    return Object.keys(value).length <= 50 && Buffer.byteLength(JSON.stringify(value)) <= 8192;
  }

  defaultMessage(): string {
    return 'must be an object with at most 50 keys and 8 KiB of JSON';
  }
}

/** A price in a pricing currency (`price` of `POST /v1/payments`). */
export class PriceDto {
  @ApiProperty({ example: '25.00', description: 'Decimal string in the pricing currency, at most 18 decimals.' })
  @IsString({ message: 'must be a decimal string such as "25.00"' })
  @IsNotEmpty()
  @MaxLength(100)
  amount!: string;

  @ApiProperty({ example: 'USD', description: 'Pricing currency: an ISO 4217-style code that the configured pegs and price feeds quote in.' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'must be a three-letter currency code such as USD' })
  currency!: string;
}

/** A coin the customer may pay a priced payment in (`acceptedCurrencies[]`). */
export class AcceptedCurrencyDto {
  @ApiProperty({ example: 'USDT', description: 'Token symbol, or the native coin\'s symbol.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(16)
  currency!: string;

  @ApiPropertyOptional({ example: 31337, description: 'EIP-155 chain id; omitted: every configured chain that carries the coin.' })
  @IsOptional()
  @IsInt({ message: 'must be an integer chain id' })
  @Min(1)
  @Max(2 ** 53 - 1)
  chainId?: number;
}

/**
 * One `acceptedCurrencies` entry as given: a symbol stands for `{ currency: symbol }`; an
 * object becomes an {@link AcceptedCurrencyDto} to validate; anything else is left for the
 * validation to refuse.
 */
function toAcceptedCurrency(item: unknown): unknown {
  if (typeof item === 'string') return plainToInstance(AcceptedCurrencyDto, { currency: item });
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) return plainToInstance(AcceptedCurrencyDto, item);
  return item;
}

/**
 * Body of `POST /v1/payments`: either a fixed coin (`amount`, `currency`, `chainId`) or a
 * `price` with the `acceptedCurrencies` the customer chooses from on the checkout page
 * (DESIGN.md "Price and the customer's choice of coin").
 */
@ApiExtraModels(AcceptedCurrencyDto)
export class CreatePaymentDto {
  @ApiPropertyOptional({ example: '25.50', description: 'Fixed coin: amount as a decimal string in token units; at most the token\'s decimals. Required unless `price` is given.' })
  @ValidateIf((body: CreatePaymentDto) => body.price === undefined || body.amount !== undefined)
  @IsString({ message: 'must be a decimal string such as "25.50" (or give a price instead)' })
  @IsNotEmpty()
  @MaxLength(100)
  amount?: string;

  @ApiPropertyOptional({ example: 'USDC', description: 'Fixed coin: token symbol, or the native coin\'s symbol (ETH). Required unless `price` is given.' })
  @ValidateIf((body: CreatePaymentDto) => body.price === undefined || body.currency !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(16)
  currency?: string;

  @ApiPropertyOptional({ example: 31337, description: 'Fixed coin: EIP-155 chain id; optional when the currency exists on one chain only.' })
  @IsOptional()
  @IsInt({ message: 'must be an integer chain id' })
  @Min(1)
  @Max(2 ** 53 - 1)
  chainId?: number;

  @ApiPropertyOptional({ type: PriceDto, description: 'A price instead of a fixed coin: the customer pays it in any accepted coin at the quoted rate.' })
  @IsOptional()
  @IsObject({ message: 'must be an object such as {"amount": "25.00", "currency": "USD"}' })
  @ValidateNested()
  @Type(() => PriceDto)
  price?: PriceDto;

  @ApiPropertyOptional({
    type: 'array',
    items: { oneOf: [{ type: 'string', example: 'USDT' }, { $ref: getSchemaPath(AcceptedCurrencyDto) }] },
    example: ['USDC', { currency: 'ETH', chainId: 31338 }],
    description:
      'With `price`: the coins the customer may pay in, each a symbol ("USDT": every configured chain that carries it) or `{currency, chainId}` for one chain; default every coin of every chain the merchant accepts.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(toAcceptedCurrency) : value))
  acceptedCurrencies?: AcceptedCurrencyDto[];

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
