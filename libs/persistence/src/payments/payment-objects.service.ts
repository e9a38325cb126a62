import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';

import { ChecksumMemo, paymentUri } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig, publicUrlOf } from '@kassa/config';
import {
  type ChainHeads,
  type Payment,
  type PaymentOption,
  paymentChainIds,
  type PaymentObject,
  type PaymentSettlementState,
  type SettlementMode,
  paymentSettlementOf,
  toPaymentObject,
  type Transfer,
} from '@kassa/domain';

import { ChainCursorsRepository } from '../chain/chain-cursors.repository';
import { RefundObjectsService } from '../refunds/refund-objects.service';
import { RefundsRepository, type StoredRefund } from '../refunds/refunds.repository';
import { SettlementsRepository } from '../settlements/settlements.repository';
import { TransfersRepository } from '../transfers/transfers.repository';

/**
 * Builds the public payment object (DESIGN.md "Merchant API") with its links: the EIP-681
 * `paymentUri` and the hosted `checkoutUrl`. Confirmations are counted against the
 * watcher's cursor, the last block whose transfers are stored. `settlement` shows where the
 * deposit address's funds stand (docs/settlement.md); `refunds` what was given back (docs/refunds.md).
 */
@Injectable()
export class PaymentObjectsService {
  /** Checksummed token contracts (a handful per chain). */
  private readonly tokens = new ChecksumMemo(256);

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly transfers: TransfersRepository,
    private readonly cursors: ChainCursorsRepository,
    private readonly settlements: SettlementsRepository,
    private readonly refunds: RefundsRepository,
    private readonly refundObjects: RefundObjectsService,
  ) {}

  /** The service over `dataSource`, outside Nest's injector (CLI commands, test kits). */
  static over(config: KassaConfig, dataSource: DataSource): PaymentObjectsService {
    return new PaymentObjectsService(
      config,
      new TransfersRepository(dataSource),
      new ChainCursorsRepository(dataSource),
      new SettlementsRepository(dataSource),
      new RefundsRepository(dataSource),
      new RefundObjectsService(config),
    );
  }

  /** The `checkoutUrl` of a payment: `<public URL>/pay/<id>`. */
  checkoutUrl(paymentId: string): string {
    return `${publicUrlOf(this.config)}/pay/${paymentId}`;
  }

  /** The EIP-681 URI that pays the whole amount of a payment's selected option, or of `option` (EIP-681, see `@kassa/chain` `paymentUri`). */
  paymentUri(payment: Payment | PaymentOption): string {
    // A stored deposit address is checksummed (its CREATE2 derivation gives it so); tokens, few, through the memo.
    const token = payment.token.address === null ? null : this.tokens.of(payment.token.address.toLowerCase());
    return paymentUri({ chainId: payment.chainId, depositAddress: payment.depositAddress, amount: payment.amount, token }, { checksummed: true });
  }

  /**
   * The object of a payment not stored yet (being created): no transfers, no settlement,
   * so no query. The same object {@link build} returns once it is stored.
   */
  buildNew(payment: Payment): PaymentObject {
    return this.assemble(payment, [], null, undefined, []);
  }

  /**
   * The object of a payment that was open (CREATED or PENDING) until the caller's
   * transaction changed it, from what the caller holds: its new state, all its transfers, the
   * heads of its chains and its merchant's settlement mode. No query: a payment that was open
   * has no settlement and no refund yet (both need a final payment), so this is the object
   * {@link build} would read back in the same transaction.
   */
  buildFromOpen(payment: Payment, transfers: readonly Transfer[], heads: ChainHeads, settlementMode: SettlementMode): PaymentObject {
    const hasValue = transfers.some((transfer) => transfer.status === 'active');
    return this.assemble(payment, transfers, heads, { latest: null, hasValue, hasUnsettledValue: hasValue, mode: settlementMode }, []);
  }

  /** One payment object, loading its transfers and the chain cursor (in `manager`'s transaction when given). */
  async build(payment: Payment, manager?: EntityManager): Promise<PaymentObject> {
    // One after the other: a transaction's manager has a single connection, which pg
    // cannot share between concurrent queries.
    const transfers = await this.transfers.listByPayment(payment.id, manager);
    const heads = await this.cursors.heads(paymentChainIds([payment]), manager);
    const settlements = await this.settlements.paymentStates([payment.id], manager);
    const refunds = await this.refunds.listByPayments([payment.id], manager);
    return this.assemble(payment, transfers, heads, settlements.get(payment.id), refunds.get(payment.id) ?? []);
  }

  /**
   * Payment objects for a page of payments, with four queries and one per chain in all
   * (in `manager`'s transaction when given; its queries then run one after the other).
   */
  async buildMany(payments: readonly Payment[], manager?: EntityManager): Promise<PaymentObject[]> {
    const ids = payments.map((payment) => payment.id);
    const chainIds = paymentChainIds(payments);
    let transfers: Map<string, Transfer[]>;
    let settlements: Map<string, PaymentSettlementState>;
    let heads: Map<number, bigint>;
    let refunds: Map<string, StoredRefund[]>;
    if (manager) {
      // One connection: no concurrent queries on it.
      transfers = await this.transfers.listByPayments(ids, manager);
      settlements = await this.settlements.paymentStates(ids, manager);
      heads = await this.cursors.heads(chainIds, manager);
      refunds = await this.refunds.listByPayments(ids, manager);
    } else {
      [transfers, settlements, heads, refunds] = await Promise.all([
        this.transfers.listByPayments(ids),
        this.settlements.paymentStates(ids),
        this.cursors.heads(chainIds),
        this.refunds.listByPayments(ids),
      ]);
    }
    return payments.map((payment) =>
      this.assemble(payment, transfers.get(payment.id) ?? [], heads, settlements.get(payment.id), refunds.get(payment.id) ?? []),
    );
  }

  private assemble(
    payment: Payment,
    transfers: readonly Transfer[],
    heads: ChainHeads | null,
    settlement: PaymentSettlementState | undefined,
    refunds: readonly StoredRefund[],
  ): PaymentObject {
    return toPaymentObject(
      payment,
      transfers,
      heads,
      {
        paymentUri: this.paymentUri(payment),
        checkoutUrl: this.checkoutUrl(payment.id),
        optionPaymentUri: (option) => this.paymentUri(option),
      },
      settlement ? paymentSettlementOf(payment.status, settlement) : null,
      refunds.map((refund) => this.refundObjects.build(refund)),
    );
  }
}
