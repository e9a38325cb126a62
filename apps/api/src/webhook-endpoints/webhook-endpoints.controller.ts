import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { NotFoundError } from '@kassa/domain';
import { type ApiKeyPrincipal, WebhookEndpointsRepository } from '@kassa/persistence';
import { assertWebhookUrlResolvesPublic, generateWebhookSecret } from '@kassa/webhooks';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { CreateWebhookEndpointUseCase, MAX_WEBHOOK_ENDPOINTS_PER_MERCHANT } from './create-webhook-endpoint.use-case';
import { CreateWebhookEndpointDto } from './dto/create-webhook-endpoint.dto';
import { DEFAULT_ROTATION_GRACE_SECONDS, RotateWebhookSecretDto } from './dto/rotate-webhook-secret.dto';
import { UpdateWebhookEndpointDto } from './dto/update-webhook-endpoint.dto';
import { SendTestEventUseCase } from './send-test-event.use-case';
import {
  toWebhookEndpointResponse,
  toWebhookEndpointWithSecret,
  WebhookEndpointListResponse,
  WebhookEndpointResponse,
  WebhookEndpointWithSecretResponse,
} from './dto/webhook-endpoint.response';

const endpointId = new IdPipe('webhookEndpoint', 'webhook endpoint');

/** OpenAPI description of a queued test event. */
class TestEventResponse {
  @ApiProperty({ enum: ['test_event'] }) object!: 'test_event';
  @ApiProperty({ example: 'evt_01JD3M7A1T9W2C8Q4R6V0XKZ5N' }) eventId!: string;
  @ApiProperty({ example: 'we_01JD3M7A1T9W2C8Q4R6V0XKZ5N' }) endpointId!: string;
}

/**
 * The merchant's webhook endpoints (DESIGN.md "Webhooks"): where signed events are
 * delivered, which types each receives, its secret (shown once) and secret rotation.
 */
@ApiTags('webhook-endpoints')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly createEndpoint: CreateWebhookEndpointUseCase,
    private readonly sendTest: SendTestEventUseCase,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description: `The response carries the signing secret (whsec_...), shown only once. At most ${MAX_WEBHOOK_ENDPOINTS_PER_MERCHANT} endpoints per merchant (409 beyond).`,
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 409)
  async create(@Principal() principal: ApiKeyPrincipal, @Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointWithSecretResponse> {
    return toWebhookEndpointWithSecret(await this.createEndpoint.execute(principal.merchantId, body));
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints (without secrets), newest first' })
  @ApiOkResponse({ type: WebhookEndpointListResponse })
  async list(@Principal() principal: ApiKeyPrincipal): Promise<WebhookEndpointListResponse> {
    return { object: 'list', data: (await this.endpoints.list(principal.merchantId)).map((endpoint) => toWebhookEndpointResponse(endpoint)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a webhook endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', endpointId) id: string): Promise<WebhookEndpointResponse> {
    const endpoint = await this.endpoints.findById(principal.merchantId, id);
    if (!endpoint) throw new NotFoundError('webhook endpoint', id);
    return toWebhookEndpointResponse(endpoint);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description:
      'URL, event types, description, enabled. A disabled endpoint gets no deliveries of new events; deliveries queued ' +
      'before wait and go out once it is enabled again. Events it missed can be sent with POST /v1/events/:id/redeliver.',
  })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 404)
  async update(
    @Principal() principal: ApiKeyPrincipal,
    @Param('id', endpointId) id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointResponse> {
    const url = body.url === undefined ? undefined : await this.checkUrl(body.url);
    const endpoint = await this.endpoints.update(principal.merchantId, id, {
      url,
      enabledEvents: body.enabledEvents,
      enabled: body.enabled,
      description: body.description,
    });
    if (!endpoint) throw new NotFoundError('webhook endpoint', id);
    return toWebhookEndpointResponse(endpoint);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint', description: 'Its deliveries and their attempt log go with it; events stay.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblemResponses(404)
  async delete(@Principal() principal: ApiKeyPrincipal, @Param('id', endpointId) id: string): Promise<void> {
    if (!(await this.endpoints.delete(principal.merchantId, id))) throw new NotFoundError('webhook endpoint', id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description:
      'Returns the new secret (shown once). Until `previousSecretExpiresAt` every delivery carries two signatures, ' +
      'one per secret (Standard Webhooks allows several), so receivers can switch without missing a delivery. ' +
      'Rotating again during a grace period retires the older secret at once.',
  })
  @ApiOkResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 404)
  async rotateSecret(
    @Principal() principal: ApiKeyPrincipal,
    @Param('id', endpointId) id: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<WebhookEndpointWithSecretResponse> {
    const graceSeconds = body.gracePeriodSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
    const endpoint = await this.endpoints.rotateSecret(
      principal.merchantId,
      id,
      generateWebhookSecret(),
      new Date(Date.now() + graceSeconds * 1000),
    );
    if (!endpoint) throw new NotFoundError('webhook endpoint', id);
    return toWebhookEndpointWithSecret(endpoint);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a test event to this endpoint',
    description: 'A signed `webhook_endpoint.test` event, delivered (with retries) to this endpoint only; its deliveries show under GET /v1/events/{eventId}.',
  })
  @ApiAcceptedResponse({ type: TestEventResponse })
  @ApiProblemResponses(404, 409)
  async test(@Principal() principal: ApiKeyPrincipal, @Param('id', endpointId) id: string): Promise<TestEventResponse> {
    const event = await this.sendTest.execute(principal.merchantId, id);
    return { object: 'test_event', eventId: event.id, endpointId: id };
  }

  /** The URL as stored: http(s), and not private or loopback unless the operator allows it. */
  private async checkUrl(url: string): Promise<string> {
    return (await assertWebhookUrlResolvesPublic(url, { allowPrivate: this.config.webhooks.allowPrivateUrls })).toString();
  }
}
