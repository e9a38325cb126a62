import { Module } from '@nestjs/common';

import { PaymentEventsModule } from '@kassa/webhooks';

import { SettlePaymentsJob } from '../jobs/settle-payments.job';
import { PlanSettlements } from './plan-settlements';
import { ReconcileSettlement } from './reconcile-settlement';
import { SendSettlement } from './send-settlement';
import { SettlementBroadcaster } from './settlement-broadcaster';
import { SettlementLanes } from './settlement-lanes';
import { SettlementTransactionSender } from './settlement-transaction.sender';

/**
 * Settlement in the worker (docs/settlement.md): the job and the services it runs. Needs the
 * global config, persistence, chain registry and schedule modules of the worker's root module.
 */
@Module({
  imports: [PaymentEventsModule],
  providers: [SettlementLanes, SettlementBroadcaster, SettlementTransactionSender, PlanSettlements, SendSettlement, ReconcileSettlement, SettlePaymentsJob],
  exports: [SettlePaymentsJob, SettlementBroadcaster],
})
export class SettlementModule {}
