import { Module } from '@nestjs/common';

import { PaymentEventsModule } from '@kassa/webhooks';

import { SettlePaymentsJob } from '../jobs/settle-payments.job';
import { PlanSettlements } from './plan-settlements';
import { ReconcileSettlement } from './reconcile-settlement';
import { SendSettlement } from './send-settlement';
import { SettlementBroadcaster } from './settlement-broadcaster';
import { SettlementLanes } from './settlement-lanes';
import { SettlementTransactionSender } from './settlement-transaction.sender';
import { TransactionTracker } from './transaction-tracker';

/**
 * Settlement in the worker (docs/settlement.md): the job and the services it runs. Needs the
 * global config, persistence, chain registry and schedule modules of the worker's root module.
 */
@Module({
  imports: [PaymentEventsModule],
  providers: [SettlementLanes, SettlementBroadcaster, SettlementTransactionSender, TransactionTracker, PlanSettlements, SendSettlement, ReconcileSettlement, SettlePaymentsJob],
  exports: [SettlePaymentsJob, SettlementBroadcaster, SettlementTransactionSender, TransactionTracker],
})
export class SettlementModule {}
