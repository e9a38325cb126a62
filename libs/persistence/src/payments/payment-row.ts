import {
  asMerchantId,
  type Address,
  type Hex,
  type Payment,
  type PaymentException,
  type PaymentOption,
  type PaymentStatus,
  paymentOptionsOf,
} from '@kassa/domain';

import { toBigInt } from '../database/bigints';

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
  price_amount: string | null;
  price_currency: string | null;
  payment_link_id: string | null;
  /** The payment's options as JSON (see {@link paymentColumns}); numbers that may be large are strings. */
  options?: PaymentOptionJson[] | null;
}

/** A `payment_options` row as {@link paymentColumns} aggregates it (numerics as text, times as ISO strings). */
interface PaymentOptionJson extends Pick<PaymentRow, (typeof OPTION_COIN_COLUMNS)[number]> {
  id: string;
  rate_value: string | null;
  rate_pricing_currency: string | null;
  rate_source: 'peg' | 'price_feed' | null;
  rate_feed_address: string | null;
  rate_updated_at: string | null;
}

/**
 * The coin columns an option and a payment share (a payment's are those of its selected
 * option), in the order of {@link PAYMENT_OPTION_COLUMNS}.
 */
export const OPTION_COIN_COLUMNS = [
  'chain_id',
  'currency',
  'token_address',
  'token_decimals',
  'amount',
  'amount_minimum',
  'required_confirmations',
  'deposit_address',
  'treasury_address',
  'factory_address',
] as const;

/** The columns of {@link PaymentRow}, in the order of {@link paymentInsertParams}. */
export const PAYMENT_COLUMNS = [
  'id',
  'merchant_id',
  'status',
  'exception',
  ...OPTION_COIN_COLUMNS,
  'amount_received',
  'salt',
  'order_id',
  'description',
  'metadata',
  'success_url',
  'cancel_url',
  'expires_at',
  'created_at',
  'paid_at',
  'finalized_at',
  'price_amount',
  'price_currency',
  'payment_link_id',
] as const;

/** The PostgreSQL type of each {@link PAYMENT_COLUMNS} column, in order (for `unnest` casts). */
export const PAYMENT_COLUMN_TYPES = [
  'text', 'text', 'text', 'text', 'integer', 'text', 'text', 'smallint', 'numeric', 'numeric', 'integer', 'text', 'text', 'text',
  'numeric', 'text', 'text', 'text', 'jsonb', 'text', 'text', 'timestamptz', 'timestamptz', 'timestamptz', 'timestamptz', 'numeric', 'text', 'text',
] as const;

/** The columns of `payment_options`, in the order of {@link paymentOptionInsertColumns}. */
export const PAYMENT_OPTION_COLUMNS = [
  'id',
  'payment_id',
  'position',
  ...OPTION_COIN_COLUMNS,
  'rate_value',
  'rate_pricing_currency',
  'rate_source',
  'rate_feed_address',
  'rate_updated_at',
] as const;

/** SQL types of {@link PAYMENT_OPTION_COLUMNS}, for `unnest` of one array per column. */
export const PAYMENT_OPTION_COLUMN_TYPES = [
  'text', 'text', 'smallint', 'integer', 'text', 'text', 'smallint', 'numeric', 'numeric', 'integer', 'text', 'text', 'text', 'numeric', 'text', 'text', 'text', 'timestamptz',
] as const;

/**
 * One array per {@link PAYMENT_OPTION_COLUMNS} column holding the options of every payment
 * (for an `unnest` insert), payment after payment; a payment built without options gets its
 * own coin as its one option.
 */
export function paymentOptionInsertColumns(payments: readonly Payment[]): unknown[][] {
  const rows = payments.flatMap((payment) =>
    paymentOptionsOf(payment).map((option, position) => [
      option.id,
      payment.id,
      position,
      ...coinValues(option),
      option.rate?.value ?? null,
      option.rate?.pricingCurrency ?? null,
      option.rate?.source ?? null,
      option.rate?.feedAddress ?? null,
      option.rate?.updatedAt ?? null,
    ]),
  );
  return columnsOf(rows, PAYMENT_OPTION_COLUMNS.length);
}

/** The values of `rows` (each `width` long) column by column: one array per column. */
function columnsOf(rows: readonly unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_column, index) => rows.map((row) => row[index]));
}

/** The values of {@link OPTION_COIN_COLUMNS}, in order, for a coin: an option, or a payment's own. */
function coinValues(coin: Omit<PaymentOption, 'id' | 'rate'>): unknown[] {
  return [
    coin.chainId,
    coin.token.symbol,
    coin.token.address,
    coin.token.decimals,
    coin.amount.toString(),
    coin.amountMinimum.toString(),
    coin.requiredConfirmations,
    coin.depositAddress,
    coin.treasuryAddress,
    coin.factoryAddress,
  ];
}

function toPaymentOption(json: PaymentOptionJson): PaymentOption {
  return {
    id: json.id,
    chainId: json.chain_id,
    token: { symbol: json.currency, address: json.token_address as Address | null, decimals: json.token_decimals },
    amount: BigInt(json.amount),
    amountMinimum: BigInt(json.amount_minimum),
    requiredConfirmations: json.required_confirmations,
    depositAddress: json.deposit_address as Address,
    treasuryAddress: json.treasury_address as Address,
    factoryAddress: json.factory_address as Address,
    rate:
      json.rate_value !== null && json.rate_source !== null && json.rate_pricing_currency !== null
        ? {
            value: json.rate_value,
            pricingCurrency: json.rate_pricing_currency,
            source: json.rate_source,
            feedAddress: json.rate_feed_address as Address | null,
            updatedAt: json.rate_updated_at === null ? null : new Date(json.rate_updated_at),
          }
        : null,
  };
}

/**
 * The columns of {@link PaymentRow} as a SELECT list, qualified with `alias.` when given,
 * followed by the payment's options aggregated in order as JSON (`options`): one query reads
 * a payment with its options.
 */
export function paymentColumns(alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  const table = alias ?? 'payments';
  const option = AGGREGATED_OPTION_COLUMNS.map((column) => `'${column}', ${optionColumnSql(column)}`).join(', ');
  const options = `(SELECT json_agg(json_build_object(${option}) ORDER BY o.position) FROM payment_options o WHERE o.payment_id = ${table}.id) AS options`;
  return `${PAYMENT_COLUMNS.map((column) => prefix + column).join(', ')}, ${options}`;
}

/** The option columns {@link paymentColumns} aggregates (an option's id and coin, its rate). */
const AGGREGATED_OPTION_COLUMNS = PAYMENT_OPTION_COLUMNS.filter((column) => column !== 'payment_id' && column !== 'position');
/** Option columns read as text, as in the aggregated JSON: numerics that may be large. */
const TEXT_OPTION_COLUMNS: readonly string[] = ['amount', 'amount_minimum', 'rate_value'];

/** An option column of `payment_options` aliased `o`, as the readers of options take it. */
function optionColumnSql(column: string): string {
  return `o.${column}${TEXT_OPTION_COLUMNS.includes(column) ? '::text' : ''}`;
}

/**
 * The SELECT list of a join of payments (alias `p`) with their options (alias `o`, LEFT
 * JOIN): the payment's columns, then each option column as `option_<column>`. One row per
 * option instead of the options built as JSON per payment ({@link paymentColumns}), which
 * costs PostgreSQL more than the join when thousands of payments are read at once. Read the
 * rows, ordered by payment id and option position, with {@link toPaymentsFromJoinedRows}.
 */
export function paymentWithOptionRowsColumns(): string {
  const options = AGGREGATED_OPTION_COLUMNS.map((column) => `${optionColumnSql(column)} AS option_${column}`);
  return [...PAYMENT_COLUMNS.map((column) => `p.${column}`), ...options].join(', ');
}

/**
 * The payments of rows selected with {@link paymentWithOptionRowsColumns}, ordered by
 * payment id then option position: consecutive rows of one payment carry its options.
 */
export function toPaymentsFromJoinedRows(rows: readonly Record<string, unknown>[]): Payment[] {
  const grouped: { row: PaymentRow; options: PaymentOptionJson[] }[] = [];
  for (const row of rows) {
    const previous = grouped[grouped.length - 1];
    const payment = previous !== undefined && previous.row.id === row.id ? previous : { row: row as unknown as PaymentRow, options: [] };
    if (payment !== previous) grouped.push(payment);
    if (row.option_id === null) continue;
    const option: Record<string, unknown> = {};
    for (const [column, joined] of JOINED_OPTION_COLUMNS) option[column] = row[joined];
    const updatedAt = option.rate_updated_at;
    option.rate_updated_at = updatedAt instanceof Date ? updatedAt.toISOString() : (updatedAt ?? null);
    payment.options.push(option as unknown as PaymentOptionJson);
  }
  return grouped.map(({ row, options }) => paymentOf(row, options));
}

/** Each aggregated option column with its name in a joined row (`option_<column>`). */
const JOINED_OPTION_COLUMNS = AGGREGATED_OPTION_COLUMNS.map((column) => [column, `option_${column}`] as const);

/** The payment of a row read with {@link paymentColumns} (its options aggregated in `options`). */
export function toPayment(row: PaymentRow): Payment {
  return paymentOf(row, row.options ?? null);
}

/** The payment of a row, with its options read apart (aggregated, or joined rows). */
function paymentOf(row: PaymentRow, options: readonly PaymentOptionJson[] | null): Payment {
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
    paymentLinkId: row.payment_link_id,
    price: row.price_amount !== null && row.price_currency !== null ? { amount: row.price_amount, currency: row.price_currency } : null,
    options: (options ?? []).map(toPaymentOption),
  };
}

/**
 * One array per {@link PAYMENT_COLUMNS} column holding every payment's value (for an
 * `unnest` insert of any number of payments), in {@link PAYMENT_COLUMNS} order, each to be
 * cast to its {@link PAYMENT_COLUMN_TYPES} array type. `metadata` travels as JSON text.
 */
export function paymentInsertColumns(payments: readonly Payment[]): unknown[][] {
  const rows = payments.map((payment) => [
    payment.id,
    payment.merchantId,
    payment.status,
    payment.exception,
    ...coinValues(payment),
    payment.amountReceived.toString(),
    payment.salt,
    payment.orderId,
    payment.description,
    JSON.stringify(payment.metadata),
    payment.successUrl,
    payment.cancelUrl,
    payment.expiresAt,
    payment.createdAt,
    payment.paidAt,
    payment.finalizedAt,
    payment.price?.amount ?? null,
    payment.price?.currency ?? null,
    payment.paymentLinkId,
  ]);
  return columnsOf(rows, PAYMENT_COLUMNS.length);
}
