import { ApiProperty } from '@nestjs/swagger';

import { API_KEY_SCOPES } from '@kassa/domain';
import type { ApiKey } from '@kassa/persistence';

/** An API key as listed: never the key itself nor its hash. */
export class ApiKeyResponse {
  @ApiProperty({ example: 'key_01JD3M6Q8Y7W4ZK2N5R0T9V1XC' }) id!: string;
  @ApiProperty({ enum: ['api_key'] }) object!: 'api_key';
  @ApiProperty({ nullable: true, type: String, example: 'Order service (production)' }) name!: string | null;
  @ApiProperty({ example: 'kassa_sk_Xc9Qe', description: 'The first characters of the key, to tell keys apart.' }) prefix!: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Recorded to the minute.' }) lastUsedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt!: string | null;
}

/** A new key, with the secret key shown this once. */
export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ example: 'kassa_sk_Xc9Qe...', description: 'The secret key: shown only now; Kassa keeps only its SHA-256 hash.' }) key!: string;
}

/** The merchant's keys, revoked ones included, newest first. */
export class ApiKeyListResponse {
  @ApiProperty({ enum: ['list'] }) object!: 'list';
  @ApiProperty({ type: [ApiKeyResponse] }) data!: ApiKeyResponse[];
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The key as merchants see it. */
export function toApiKeyResponse(key: ApiKey): ApiKeyResponse {
  return {
    id: key.id,
    object: 'api_key',
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  };
}
