import { Inject, Injectable } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig, publicUrlOf } from '@kassa/config';
import { type RefundObject, toRefundObject } from '@kassa/domain';

import type { StoredRefund } from './refunds.repository';

/**
 * Builds the public refund object (docs/refunds.md) with its hosted links: `claimUrl`
 * (`<public URL>/refunds/claim/<claim token>`, where the customer gives the address) and
 * `approvalUrl` (`<public URL>/refunds/approve/<approval token>`, where the merchant pays it
 * from a browser wallet).
 */
@Injectable()
export class RefundObjectsService {
  constructor(@Inject(KASSA_CONFIG) private readonly config: KassaConfig) {}

  build(refund: StoredRefund): RefundObject {
    const base = publicUrlOf(this.config);
    return toRefundObject(refund, { claimUrl: `${base}/refunds/claim/${refund.claimToken}`, approvalUrl: `${base}/refunds/approve/${refund.approvalToken}` });
  }
}
