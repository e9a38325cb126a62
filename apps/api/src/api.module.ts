import { type DynamicModule, Module } from '@nestjs/common';

import { ChainRegistryModule, ChainVerificationModule } from '@kassa/chain';
import { ConfigModule, type KassaConfig, persistenceOptions } from '@kassa/config';
import { MetricsModule } from '@kassa/observability';
import { PersistenceModule } from '@kassa/persistence';
import { PaymentEventsModule } from '@kassa/webhooks';

import { ApiKeysController } from './api-keys/api-keys.controller';
import { PrincipalCache } from './auth/principal-cache';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { ApiKeyGuard } from './auth/api-key.guard';
import { CheckoutModule } from './checkout/checkout.module';
import { CurrenciesController } from './currencies/currencies.controller';
import { CurrenciesModule } from './currencies/currencies.module';
import { EventsController } from './events/events.controller';
import { RedeliverEventUseCase } from './events/redeliver-event.use-case';
import { HealthController } from './health/health.controller';
import { MerchantController } from './merchant/merchant.controller';
import { DatabaseMetrics } from './metrics/database-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { OpsStatusService } from './ops/ops-status.service';
import { OpsController } from './ops/ops.controller';
import { UpdateMerchantSettingsUseCase } from './merchant/update-merchant-settings.use-case';
import { CreateWebhookEndpointUseCase } from './webhook-endpoints/create-webhook-endpoint.use-case';
import { SendTestEventUseCase } from './webhook-endpoints/send-test-event.use-case';
import { CancelPaymentUseCase } from './payments/cancel-payment.use-case';
import { CreatePaymentUseCase } from './payments/create-payment.use-case';
import { PaymentsController } from './payments/payments.controller';
import { SettlementPolicyController } from './settlements/settlement-policy.controller';
import { SettlementsController } from './settlements/settlements.controller';
import { WebhookEndpointsController } from './webhook-endpoints/webhook-endpoints.controller';
import { IdempotentRequests } from './common/idempotent-requests';
import { DashboardAuthService } from './dashboard/dashboard-auth.service';
import { DashboardController } from './dashboard/dashboard.controller';
import { ExportsController } from './exports/exports.controller';
import { ExportsService } from './exports/exports.service';
import { CreatePayoutsUseCase } from './payouts/create-payouts.use-case';
import { PayoutQueue } from './payouts/payout-queue';
import { PayoutsController } from './payouts/payouts.controller';
import { ClaimRefundUseCase } from './refunds/claim-refund.use-case';
import { CreateRefundUseCase } from './refunds/create-refund.use-case';
import { PaymentLinkPagesController } from './payment-links/payment-link-pages.controller';
import { PaymentLinksController } from './payment-links/payment-links.controller';
import { PaymentLinksUseCase } from './payment-links/payment-links.use-case';
import { ManageRefundUseCase } from './refunds/manage-refund.use-case';
import { RefundAddressPolicy } from './refunds/refund-address';
import { RefundPagesController } from './refunds/refund-pages.controller';
import { RefundsController } from './refunds/refunds.controller';

/** Root module of the API process: merchant API, hosted checkout and refund pages, the merchant dashboard, health, metrics, the operator status page. */
@Module({})
export class ApiModule {
  static forRoot(config: KassaConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot(persistenceOptions(config)),
        ChainRegistryModule,
        ChainVerificationModule,
        PaymentEventsModule,
        CheckoutModule,
        CurrenciesModule,
        MetricsModule,
      ],
      controllers: [PaymentsController, PaymentLinksController, PaymentLinkPagesController, RefundsController, PayoutsController, RefundPagesController, ExportsController, DashboardController, CurrenciesController, WebhookEndpointsController, EventsController, ApiKeysController, MerchantController, SettlementsController, SettlementPolicyController, HealthController, MetricsController, OpsController],
      providers: [
        ApiKeyAuthenticator,
        PrincipalCache,
        ApiKeyGuard,
        IdempotentRequests,
        DashboardAuthService,
        ExportsService,
        PayoutQueue,
        RefundAddressPolicy,
        CreateRefundUseCase,
        PaymentLinksUseCase,
        ManageRefundUseCase,
        ClaimRefundUseCase,
        CreatePayoutsUseCase,
        SendTestEventUseCase,
        CreatePaymentUseCase, CancelPaymentUseCase, RedeliverEventUseCase, UpdateMerchantSettingsUseCase, CreateWebhookEndpointUseCase, DatabaseMetrics, OpsStatusService],
    };
  }
}
