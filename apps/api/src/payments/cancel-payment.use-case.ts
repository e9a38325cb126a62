import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { assertCancelable, ConflictError, type MerchantId, NotFoundError, type Payment } from '@kassa/domain';
import { PaymentsRepository } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';

/**
 * Cancels a payment on the merchant's request: only a CREATED payment (no value seen) can
 * be canceled; CANCELED is final and announced with `payment.canceled`.
 * @throws NotFoundError (404) for an unknown id or another merchant's payment
 * @throws InvalidStateTransitionError (409) for any status but CREATED
 */
@Injectable()
export class CancelPaymentUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly payments: PaymentsRepository,
    private readonly events: PaymentEventsService,
  ) {}

  async execute(merchantId: MerchantId, paymentId: string): Promise<Payment> {
    return this.dataSource.transaction(async (manager) => {
      const payment = await this.payments.findById(merchantId, paymentId, manager);
      if (!payment) throw new NotFoundError('payment', paymentId);
      assertCancelable(payment.status);
      const now = new Date();
      const changed = await this.payments.updateState(
        { id: payment.id, expectedStatus: 'CREATED', status: 'CANCELED', finalizedAt: now },
        manager,
      );
      // The watcher or scheduler moved it first (value arrived, or the deadline passed).
      if (!changed) throw new ConflictError(`Payment ${paymentId} changed status meanwhile; fetch it and try again`);
      await this.events.record(manager, 'payment.canceled', payment.id, now);
      return { ...payment, status: 'CANCELED', finalizedAt: now };
    });
  }
}
