import { Module } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import { OutboxNotifications } from './delivery/outbox-notifications';
import { deliveryOptionsFrom, WEBHOOK_DELIVERY_OPTIONS, WebhookDeliveryService } from './delivery/webhook-delivery.service';
import { WebhookSender } from './delivery/webhook.sender';

/**
 * Webhook delivery: {@link WebhookDeliveryService} (claim, sign, send, record, retry),
 * {@link OutboxNotifications} (LISTEN for new events) and the {@link WebhookSender}.
 * Needs the global `ConfigModule` (`KASSA_CONFIG`: `webhooks.*`) and `PersistenceModule`
 * (`DeliveriesRepository`, `DataSource`) imported by the application's root module.
 */
@Module({
  providers: [
    {
      provide: WebhookSender,
      inject: [KASSA_CONFIG],
      useFactory: (config: KassaConfig) =>
        new WebhookSender({ timeoutMs: config.webhooks.timeoutMs, allowPrivateUrls: config.webhooks.allowPrivateUrls }),
    },
    { provide: WEBHOOK_DELIVERY_OPTIONS, inject: [KASSA_CONFIG], useFactory: (config: KassaConfig) => deliveryOptionsFrom(config.webhooks) },
    WebhookDeliveryService,
    OutboxNotifications,
  ],
  exports: [WebhookDeliveryService, OutboxNotifications, WebhookSender],
})
export class WebhooksModule {}
