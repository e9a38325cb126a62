import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

import { API_KEY_SCOPES, type ApiKeyScope } from '@kassa/domain';

/** Body of `POST /v1/api-keys`. */
export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'Order service (production)', maxLength: 100, description: 'Your label for the key.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiProperty({
    enum: API_KEY_SCOPES,
    isArray: true,
    example: ['read'],
    description: '`read`: GET routes; `write`: everything else. Only scopes the calling key holds itself can be given.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];
}
