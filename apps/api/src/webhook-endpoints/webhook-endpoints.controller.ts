import { Body, Controller, Get, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { type ApiKeyPrincipal, type WebhookEndpoint, WebhookEndpointsRepository } from '@kassa/persistence';
import { assertWebhookUrlResolvesPublic, generateWebhookSecret } from '@kassa/webhooks';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { ApiProblemResponses } from '../common/openapi';
import { CreateWebhookEndpointDto } from './dto/create-webhook-endpoint.dto';

/** A webhook endpoint as merchants see it; the secret only in the creation response. */
export interface WebhookEndpointObject {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  enabledEvents: string[];
  enabled: boolean;
  description: string | null;
  createdAt: string;
  secret?: string;
}

function toResponse(endpoint: WebhookEndpoint, withSecret = false): WebhookEndpointObject {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    url: endpoint.url,
    enabledEvents: endpoint.enabledEvents,
    enabled: endpoint.enabled,
    description: endpoint.description,
    createdAt: endpoint.createdAt.toISOString(),
    ...(withSecret ? { secret: endpoint.secret } : {}),
  };
}

/** The merchant's webhook endpoints (DESIGN.md "Webhooks"): where signed events are delivered. */
@ApiTags('webhook-endpoints')
@ApiBearerAuth()
@ApiProblemResponses(400, 401, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly endpoints: WebhookEndpointsRepository,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a webhook endpoint', description: 'The response carries the signing secret (whsec_...), shown only once.' })
  @ApiCreatedResponse({ description: 'The endpoint with its secret.' })
  async create(@Principal() principal: ApiKeyPrincipal, @Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointObject> {
    const url = await assertWebhookUrlResolvesPublic(body.url, { allowPrivate: this.config.webhooks.allowPrivateUrls });
    const endpoint = await this.endpoints.create({
      merchantId: principal.merchantId,
      url: url.toString(),
      secret: generateWebhookSecret(),
      enabledEvents: body.enabledEvents ?? [],
      enabled: body.enabled ?? true,
      description: body.description ?? null,
    });
    return toResponse(endpoint, true);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints (without secrets)' })
  @ApiOkResponse({ description: 'The endpoints.' })
  async list(@Principal() principal: ApiKeyPrincipal): Promise<{ object: 'list'; data: WebhookEndpointObject[] }> {
    return { object: 'list', data: (await this.endpoints.list(principal.merchantId)).map((endpoint) => toResponse(endpoint)) };
  }
}
