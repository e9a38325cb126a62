import { Module } from '@nestjs/common';

import { PaymentEventsModule } from '@kassa/webhooks';

import { PayOutJob } from '../jobs/pay-out.job';
import { SettlementModule } from '../settlement/settlement.module';
import { FollowMerchantRefunds } from './follow-merchant-refunds';
import { PayoutLanes } from './payout-lanes';
import { PayoutOutcomes } from './payout-outcomes';
import { ReconcilePayout } from './reconcile-payout';
import { SendPayout } from './send-payout';

/**
 * Money going out in the worker (docs/refunds.md): payouts and refunds from the payout
 * wallet, sent with settlement's transaction machinery, and refunds paid from merchants'
 * wallets followed on chain.
 */
@Module({
  imports: [PaymentEventsModule, SettlementModule],
  providers: [PayoutLanes, PayoutOutcomes, SendPayout, ReconcilePayout, FollowMerchantRefunds, PayOutJob],
  exports: [PayOutJob],
})
export class PayoutsModule {}
