import { Body, Controller, Delete, Get, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ConflictError, ForbiddenError, generateApiKey, NotFoundError, scopesBeyond } from '@kassa/domain';
import { type ApiKeyPrincipal, ApiKeysRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { ApiKeyListResponse, ApiKeyResponse, CreatedApiKeyResponse, toApiKeyResponse } from './dto/api-key.response';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { PrincipalCache } from '../auth/principal-cache';

const apiKeyId = new IdPipe('apiKey', 'API key');

/**
 * The merchant's API keys (DESIGN.md "Merchant API"): random, shown once, stored as SHA-256
 * hashes, scoped `read` and/or `write`. Creating and revoking needs `write`; a key only
 * gives scopes it holds. A key may revoke itself (it fails from the next request on), but
 * the merchant's last active key cannot be revoked, so a merchant never locks itself out.
 */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly principals: PrincipalCache,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key', description: 'The response carries the key, shown only this once.' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiProblemResponses(...BODY_PROBLEMS)
  async create(@Principal() principal: ApiKeyPrincipal, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const beyond = scopesBeyond(principal.scopes, body.scopes);
    if (beyond.length > 0) throw new ForbiddenError(`This API key cannot give scopes it lacks: ${beyond.join(', ')}`);
    const { key, hash, displayPrefix } = generateApiKey();
    const created = await this.apiKeys.create({
      merchantId: principal.merchantId,
      prefix: displayPrefix,
      keyHash: hash,
      scopes: [...body.scopes].sort(),
      name: body.name ?? null,
    });
    return { ...toApiKeyResponse(created), key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys', description: 'Prefix, scopes and dates only: never the key or its hash. Revoked keys included.' })
  @ApiOkResponse({ type: ApiKeyListResponse })
  async list(@Principal() principal: ApiKeyPrincipal): Promise<ApiKeyListResponse> {
    return { object: 'list', data: (await this.apiKeys.list(principal.merchantId)).map(toApiKeyResponse) };
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'The key answers 401 from the next request on. Revoking a revoked key is a no-op. The last active key cannot be revoked (409).',
  })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiProblemResponses(404, 409)
  async revoke(@Principal() principal: ApiKeyPrincipal, @Param('id', apiKeyId) id: string): Promise<ApiKeyResponse> {
    const outcome = await this.apiKeys.revokeKeepingOne(principal.merchantId, id);
    // This process stops using the key before answering; the others hear it from PostgreSQL.
    this.principals.forget(principal.merchantId);
    switch (outcome) {
      case 'not_found':
        throw new NotFoundError('API key', id);
      case 'last_active_key':
        throw new ConflictError('This is the last active API key; create another one before revoking it');
      case 'revoked': {
        const key = await this.apiKeys.findById(principal.merchantId, id);
        if (!key) throw new NotFoundError('API key', id);
        return toApiKeyResponse(key);
      }
    }
  }
}
