import { Inject, Injectable } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { ConflictError, type EventType, type MerchantId } from '@kassa/domain';
import { type WebhookEndpoint, WebhookEndpointsRepository } from '@kassa/persistence';
import { assertWebhookUrlResolvesPublic, generateWebhookSecret } from '@kassa/webhooks';

/** Most endpoints one merchant may register; each event fans out to every one of them. */
export const MAX_WEBHOOK_ENDPOINTS_PER_MERCHANT = 16;

/** A webhook endpoint as a merchant (`POST /v1/webhook-endpoints`) or an operator (`kassa webhook-endpoint create`) asks for it. */
export interface NewWebhookEndpointInput {
  /** http(s) URL that receives the events. */
  url: string;
  /** Event types it receives; empty: every type. */
  enabledEvents?: EventType[];
  enabled?: boolean;
  description?: string | null;
}

/**
 * Registers a webhook endpoint for a merchant with a new signing secret (Standard Webhooks
 * `whsec_...`, returned in the endpoint, shown once), with the same rules whoever asks: the
 * URL must resolve to public addresses unless `webhooks.allowPrivateUrls`, and a merchant
 * has at most {@link MAX_WEBHOOK_ENDPOINTS_PER_MERCHANT} endpoints.
 * @throws ValidationError (400) naming `url` for a URL that is malformed or private
 * @throws ConflictError (409) when the merchant already has the most endpoints
 */
@Injectable()
export class CreateWebhookEndpointUseCase {
  constructor(
    @Inject(KASSA_CONFIG) private readonly config: Pick<KassaConfig, 'webhooks'>,
    private readonly endpoints: WebhookEndpointsRepository,
  ) {}

  async execute(merchantId: MerchantId, input: NewWebhookEndpointInput): Promise<WebhookEndpoint> {
    const url = await assertWebhookUrlResolvesPublic(input.url, { allowPrivate: this.config.webhooks.allowPrivateUrls });
    if ((await this.endpoints.list(merchantId)).length >= MAX_WEBHOOK_ENDPOINTS_PER_MERCHANT) {
      throw new ConflictError(`A merchant has at most ${MAX_WEBHOOK_ENDPOINTS_PER_MERCHANT} webhook endpoints; delete one first`);
    }
    return this.endpoints.create({
      merchantId,
      url: url.toString(),
      secret: generateWebhookSecret(),
      enabledEvents: [...new Set(input.enabledEvents ?? [])],
      enabled: input.enabled ?? true,
      description: input.description ?? null,
    });
  }
}
