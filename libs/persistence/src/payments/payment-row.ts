import { asMerchantId, type Address, type Hex, type Payment, type PaymentException, type PaymentStatus } from '@kassa/domain';

import { toBigInt } from '../database/transformers';

/** A `payments` row as pg returns it (numeric as string, timestamptz as Date, jsonb parsed). */
export interface PaymentRow {
  id: string;
  merchant_id: string;
  status: PaymentStatus;
  exception: PaymentException | null;
  chain_id: number;
  currency: string;
  token_address: string | null;
  token_decimals: number;
  amount: string;
  amount_minimum: string;
  amount_received: string;
  deposit_address: string;
  salt: string;
  treasury_address: string;
  factory_address: string;
  required_confirmations: number;
  order_id: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  success_url: string | null;
  cancel_url: string | null;
  expires_at: Date;
  created_at: Date;
  paid_at: Date | null;
  finalized_at: Date | null;
}

/** The columns of {@link PaymentRow}, in the order of {@link paymentInsertParams}. */
export const PAYMENT_COLUMNS = [
  'id',
  'merchant_id',
  'status',
  'exception',
  'chain_id',
  'currency',
  'token_address',
  'token_decimals',
  'amount',
  'amount_minimum',
  'amount_received',
  'deposit_address',
  'salt',
  'treasury_address',
  'factory_address',
  'required_confirmations',
  'order_id',
  'description',
  'metadata',
  'success_url',
  'cancel_url',
  'expires_at',
  'created_at',
  'paid_at',
  'finalized_at',
] as const;

/** The columns of {@link PaymentRow} as a SELECT list, qualified with `alias.` when given. */
export function paymentColumns(alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return PAYMENT_COLUMNS.map((column) => prefix + column).join(', ');
}

export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    status: row.status,
    exception: row.exception,
    chainId: row.chain_id,
    token: { symbol: row.currency, address: row.token_address as Address | null, decimals: row.token_decimals },
    amount: toBigInt(row.amount),
    amountMinimum: toBigInt(row.amount_minimum),
    amountReceived: toBigInt(row.amount_received),
    depositAddress: row.deposit_address as Address,
    salt: row.salt as Hex,
    treasuryAddress: row.treasury_address as Address,
    factoryAddress: row.factory_address as Address,
    requiredConfirmations: row.required_confirmations,
    orderId: row.order_id,
    description: row.description,
    metadata: row.metadata,
    successUrl: row.success_url,
    cancelUrl: row.cancel_url,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    paidAt: row.paid_at,
    finalizedAt: row.finalized_at,
  };
}

/** Parameters `$1..$25` of an INSERT of every payment column, in {@link PAYMENT_COLUMNS} order. */
export function paymentInsertParams(payment: Payment): unknown[] {
  return [
    payment.id,
    payment.merchantId,
    payment.status,
    payment.exception,
    payment.chainId,
    payment.token.symbol,
    payment.token.address,
    payment.token.decimals,
    payment.amount.toString(),
    payment.amountMinimum.toString(),
    payment.amountReceived.toString(),
    payment.depositAddress,
    payment.salt,
    payment.treasuryAddress,
    payment.factoryAddress,
    payment.requiredConfirmations,
    payment.orderId,
    payment.description,
    JSON.stringify(payment.metadata),
    payment.successUrl,
    payment.cancelUrl,
    payment.expiresAt,
    payment.createdAt,
    payment.paidAt,
    payment.finalizedAt,
  ];
}
