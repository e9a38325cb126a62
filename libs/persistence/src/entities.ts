import { ApiKeyEntity } from './api-keys/api-key.entity';
import { ChainBlockEntity } from './chain/chain-block.entity';
import { ChainCursorEntity } from './chain/chain-cursor.entity';
import { ChainIdentityEntity } from './chain/chain-identity.entity';
import { ChainStatusEntity } from './chain/chain-status.entity';
import { WatcherLeaderEntity } from './chain/watcher-leader.entity';
import { EventEntity } from './events/event.entity';
import { IdempotencyKeyEntity } from './idempotency/idempotency-key.entity';
import { MerchantEntity } from './merchants/merchant.entity';
import { MerchantTreasuryEntity } from './merchants/merchant-treasury.entity';
import { PaymentEntity, PaymentOptionEntity } from './payments/payment.entity';
import {
  SettlementAmountEntity,
  SettlementEntity,
  SettlementPolicyEntity,
  SettlementTransactionEntity,
} from './settlements/settlement.entities';
import { TransferEntity } from './transfers/transfer.entity';
import { WebhookAttemptEntity } from './webhooks/webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhooks/webhook-endpoint.entity';

/**
 * Every entity, listed explicitly (no globs, so bundling and ts-node behave alike). The
 * entities describe the schema that the migrations create; a spec checks they agree.
 */
export const ENTITIES = [
  MerchantEntity,
  MerchantTreasuryEntity,
  ApiKeyEntity,
  PaymentEntity,
  PaymentOptionEntity,
  IdempotencyKeyEntity,
  TransferEntity,
  ChainCursorEntity,
  ChainIdentityEntity,
  WatcherLeaderEntity,
  ChainBlockEntity,
  ChainStatusEntity,
  EventEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  SettlementPolicyEntity,
  SettlementTransactionEntity,
  SettlementEntity,
  SettlementAmountEntity,
];
