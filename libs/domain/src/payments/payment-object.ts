import { fromBaseUnits } from '../money/amounts';
import { RELEASED_REFUND_STATUSES, type RefundObject } from '../refunds/refund';
import type { PaymentSettlementObject } from '../settlements/settlement';
import { type ChainHeads, sumTransfers } from './lifecycle';
import { confirmationsOf, type Payment, type PaymentOption, paymentOptionsOf, sameOption, type Transfer } from './payment';

/** A transfer as merchants see it in the payment object (API and webhooks). */
export interface TransferObject {
  /** EIP-155 chain id the transfer is on. */
  chainId: number;
  txHash: string;
  logIndex: number;
  blockNumber: string;
  from: string;
  /** Decimal string in the coin of its option (base units when it matches no option). */
  amount: string;
  amountBaseUnits: string;
  confirmations: number;
  status: Transfer['status'];
  /** The option whose chain and coin it arrived in, or null (another coin: recorded, never counted). */
  optionId: string | null;
  /** Whether it counts towards the option the payment stands on (the payment's coin fields). */
  counted: boolean;
}

/** The rate an option was quoted at, as merchants see it. */
export interface OptionRateObject {
  /** Pricing-currency units per whole coin, decimal string. */
  value: string;
  pricingCurrency: string;
  source: 'peg' | 'price_feed';
  feedAddress: string | null;
  updatedAt: string | null;
}

/** One way to pay the payment (DESIGN.md "Price and the customer's choice of coin"). */
export interface PaymentOptionObject {
  id: string;
  chainId: number;
  currency: string;
  token: { address: string | null; decimals: number };
  /** Decimal string in the option's coin. */
  amount: string;
  amountBaseUnits: string;
  depositAddress: string;
  /** EIP-681 URI that pays this option exactly. */
  paymentUri: string;
  /** Null for a fixed-coin payment. */
  rate: OptionRateObject | null;
  /** Confirmed value received in this option. */
  amountReceived: string;
  amountReceivedBaseUnits: string;
  /** True for the option the payment stands on (its top-level coin fields). */
  selected: boolean;
}

/**
 * The public payment object, identical in API responses and webhook payloads (DESIGN.md
 * "Merchant API"). Money is decimal strings (token units) and integer strings (base
 * units); timestamps are ISO 8601 UTC.
 */
export interface PaymentObject {
  id: string;
  object: 'payment';
  status: Payment['status'];
  exception: Payment['exception'];
  amount: string;
  amountBaseUnits: string;
  amountReceived: string;
  amountReceivedBaseUnits: string;
  currency: string;
  token: { address: string | null; decimals: number };
  chainId: number;
  depositAddress: string;
  paymentUri: string;
  checkoutUrl: string;
  requiredConfirmations: number;
  expiresAt: string;
  orderId: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  successUrl: string | null;
  cancelUrl: string | null;
  /** The payment link whose visit created it; null for a payment created through the API. */
  paymentLinkId: string | null;
  transfers: TransferObject[];
  /** The price the options were quoted from; null for a fixed-coin payment. */
  price: { amount: string; currency: string } | null;
  /** Every way to pay the payment, the merchant's order; a fixed-coin payment has one. */
  options: PaymentOptionObject[];
  createdAt: string;
  paidAt: string | null;
  finalizedAt: string | null;
  /**
   * Where the deposit address's funds stand (docs/settlement.md): null while the payment is
   * open or when it never received anything.
   */
  settlement: PaymentSettlementObject | null;
  /** The payment's refunds, oldest first (docs/refunds.md). */
  refunds: RefundObject[];
  /** What its refunds that are not failed or canceled give back, in the payment's coin (pending ones included). */
  amountRefunded: string;
  amountRefundedBaseUnits: string;
}

/** Links computed outside the domain (EIP-681 URIs, public checkout URL). */
export interface PaymentLinks {
  paymentUri: string;
  checkoutUrl: string;
  /** The EIP-681 URI of one option. */
  optionPaymentUri: (option: PaymentOption) => string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * Builds the public payment object.
 * @param heads the chain head(s) confirmations are counted against (null: unknown, 0)
 * @param settlement the payment's settlement (see `paymentSettlementOf`), null when none applies
 * @param refunds the payment's refunds, oldest first
 */
export function toPaymentObject(
  payment: Payment,
  transfers: readonly Transfer[],
  heads: ChainHeads | null,
  links: PaymentLinks,
  settlement: PaymentSettlementObject | null = null,
  refunds: readonly RefundObject[] = [],
): PaymentObject {
  const decimals = payment.token.decimals;
  const refunded = refunds
    .filter((refund) => !RELEASED_REFUND_STATUSES.includes(refund.status))
    .reduce((sum, refund) => sum + BigInt(refund.amountBaseUnits), 0n);
  const options = paymentOptionsOf(payment);
  const knownHeads: ChainHeads = heads ?? 0n;
  const optionOf = (transfer: Transfer): PaymentOption | undefined =>
    options.find((option) => sameOption(option, { chainId: transfer.chainId, token: { address: transfer.tokenAddress } }));
  return {
    id: payment.id,
    object: 'payment',
    status: payment.status,
    exception: payment.exception,
    amount: fromBaseUnits(payment.amount, decimals),
    amountBaseUnits: payment.amount.toString(),
    amountReceived: fromBaseUnits(payment.amountReceived, decimals),
    amountReceivedBaseUnits: payment.amountReceived.toString(),
    currency: payment.token.symbol,
    token: { address: payment.token.address, decimals },
    chainId: payment.chainId,
    depositAddress: payment.depositAddress,
    paymentUri: links.paymentUri,
    checkoutUrl: links.checkoutUrl,
    requiredConfirmations: payment.requiredConfirmations,
    expiresAt: payment.expiresAt.toISOString(),
    orderId: payment.orderId,
    description: payment.description,
    metadata: payment.metadata,
    successUrl: payment.successUrl,
    cancelUrl: payment.cancelUrl,
    paymentLinkId: payment.paymentLinkId,
    transfers: transfers.map((transfer) => {
      const option = optionOf(transfer);
      const head = heads === null ? null : typeof heads === 'bigint' ? heads : (heads.get(transfer.chainId) ?? null);
      return {
        chainId: transfer.chainId,
        txHash: transfer.txHash,
        logIndex: transfer.logIndex,
        blockNumber: transfer.blockNumber.toString(),
        from: transfer.from,
        amount: option ? fromBaseUnits(transfer.amount, option.token.decimals) : transfer.amount.toString(),
        amountBaseUnits: transfer.amount.toString(),
        confirmations: head === null ? 0 : confirmationsOf(transfer.blockNumber, head),
        status: transfer.status,
        optionId: option?.id ?? null,
        counted: option !== undefined && sameOption(option, payment),
      };
    }),
    price: payment.price ? { amount: payment.price.amount, currency: payment.price.currency } : null,
    options: options.map((option) => {
      const received = sumTransfers({ ...option, expiresAt: payment.expiresAt }, transfers, knownHeads).confirmed;
      return {
        id: option.id,
        chainId: option.chainId,
        currency: option.token.symbol,
        token: { address: option.token.address, decimals: option.token.decimals },
        amount: fromBaseUnits(option.amount, option.token.decimals),
        amountBaseUnits: option.amount.toString(),
        depositAddress: option.depositAddress,
        paymentUri: links.optionPaymentUri(option),
        rate: option.rate
          ? {
              value: option.rate.value,
              pricingCurrency: option.rate.pricingCurrency,
              source: option.rate.source,
              feedAddress: option.rate.feedAddress,
              updatedAt: iso(option.rate.updatedAt),
            }
          : null,
        amountReceived: fromBaseUnits(received, option.token.decimals),
        amountReceivedBaseUnits: received.toString(),
        selected: sameOption(option, payment),
      };
    }),
    createdAt: payment.createdAt.toISOString(),
    paidAt: iso(payment.paidAt),
    finalizedAt: iso(payment.finalizedAt),
    settlement,
    refunds: [...refunds],
    amountRefunded: fromBaseUnits(refunded, decimals),
    amountRefundedBaseUnits: refunded.toString(),
  };
}
