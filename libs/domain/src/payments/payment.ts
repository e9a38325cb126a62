import { ID_PREFIXES } from '../ids';

/**
 * The payment and its lifecycle, after IVPAY's statuses (CREATED, PENDING, PAID, TIMEOUT)
 * plus CANCELED; see DESIGN.md "Payment lifecycle".
 */
export const PAYMENT_STATUSES = ['CREATED', 'PENDING', 'PAID', 'TIMEOUT', 'CANCELED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Final states never change (IVPAY: "always a final state"). */
export const FINAL_STATUSES: readonly PaymentStatus[] = ['PAID', 'TIMEOUT', 'CANCELED'];

/**
 * What a merchant must look at, kept apart from the status (as BTCPay keeps its invoice
 * exception status): UNDERPAID on a TIMEOUT with some value, OVERPAID on a PAID with more
 * than the amount, PAID_LATE when value arrived after the final state, REORGED when a
 * counted transfer disappeared in a reorg deeper than the confirmations.
 */
export const PAYMENT_EXCEPTIONS = ['UNDERPAID', 'OVERPAID', 'PAID_LATE', 'REORGED'] as const;
export type PaymentException = (typeof PAYMENT_EXCEPTIONS)[number];

export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** An EVM address, 0x-prefixed, 20 bytes hex (checksummed when it comes from Kassa). */
export type Address = `0x${string}`;
/** 0x-prefixed hex data (hashes, salts). */
export type Hex = `0x${string}`;

/** Branded merchant id, so tenant-owned queries cannot forget the tenant. */
export type MerchantId = string & { readonly __brand: 'MerchantId' };
export const asMerchantId = (id: string): MerchantId => id as MerchantId;

/** The token a payment is paid in: an ERC-20 (`address`) or the native coin (`address: null`). */
export interface TokenRef {
  symbol: string;
  address: Address | null;
  decimals: number;
}

/**
 * How an option's amount was quoted from the payment's price (DESIGN.md "Price and the
 * customer's choice of coin"): fixed when the payment is created, kept until `expiresAt`.
 */
export interface OptionRate {
  /** Pricing-currency units per one whole coin, exact decimal string (e.g. "2500", "1"). */
  value: string;
  /** The pricing currency, e.g. "USD". */
  pricingCurrency: string;
  /** 'peg': a stablecoin quoted 1:1; 'price_feed': a Chainlink-style aggregator's answer. */
  source: 'peg' | 'price_feed';
  /** The aggregator read (price_feed), else null. */
  feedAddress: Address | null;
  /** The aggregator round's `updatedAt` (price_feed), else null. */
  updatedAt: Date | null;
}

/** A price in a pricing currency: `amount` is a decimal string, e.g. { amount: "25.00", currency: "USD" }. */
export interface PaymentPrice {
  amount: string;
  currency: string;
}

/**
 * One way to pay a payment: a coin on a chain, with its amount and deposit address (a
 * quote). A fixed-coin payment has exactly one; a priced payment one per accepted coin
 * and chain whose rate was available. The deposit address is the same on every chain
 * whose factory sits at the same address and where the merchant has the same treasury.
 */
export interface PaymentOption {
  /** `opt_<ULID>`. */
  id: string;
  chainId: number;
  token: TokenRef;
  /** Amount due in this option, base units. */
  amount: bigint;
  /** Least confirmed in-time sum that pays in this option (amount less tolerance), base units. */
  amountMinimum: bigint;
  requiredConfirmations: number;
  depositAddress: Address;
  treasuryAddress: Address;
  factoryAddress: Address;
  /** The rate the amount was quoted at; null for a fixed-coin payment. */
  rate: OptionRate | null;
}

/**
 * A payment as the domain sees it. Amounts are base units (bigint). Its coin fields
 * (`chainId`, `token`, `amount`, `amountMinimum`, `depositAddress`, `treasuryAddress`,
 * `factoryAddress`, `requiredConfirmations`) are those of its selected option: the first
 * until value arrives, then the option the value arrived in (the one that paid, once PAID).
 */
export interface Payment {
  id: string;
  merchantId: MerchantId;
  status: PaymentStatus;
  exception: PaymentException | null;
  chainId: number;
  token: TokenRef;
  /** Amount due, base units. */
  amount: bigint;
  /** Least confirmed in-time sum that pays the payment (amount less tolerance), base units. */
  amountMinimum: bigint;
  /** Sum of counted (active, confirmed) transfers, base units. */
  amountReceived: bigint;
  depositAddress: Address;
  /** CREATE2 salt of the deposit address (derived from the payment id). */
  salt: Hex;
  treasuryAddress: Address;
  factoryAddress: Address;
  requiredConfirmations: number;
  orderId: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: Date;
  createdAt: Date;
  paidAt: Date | null;
  finalizedAt: Date | null;
  /** The payment link whose visit created it (docs/payment-links.md); null otherwise. */
  paymentLinkId: string | null;
  /** The price the options were quoted from; null (or absent) for a fixed-coin payment. */
  price?: PaymentPrice | null;
  /** Every way to pay it, in the merchant's order; absent or empty: the payment's own coin is its only option. */
  options?: readonly PaymentOption[];
}

/** The fields a payment carries from its selected option: its coin, amounts and addresses. */
export type PaymentCoin = Pick<PaymentOption, 'chainId' | 'token' | 'amount' | 'amountMinimum' | 'requiredConfirmations' | 'depositAddress' | 'treasuryAddress' | 'factoryAddress'>;

/** The coin fields of a payment standing on `option` (its first when created, the one value arrived in later). */
export function coinOf(option: PaymentOption): PaymentCoin {
  return {
    chainId: option.chainId,
    token: option.token,
    amount: option.amount,
    amountMinimum: option.amountMinimum,
    requiredConfirmations: option.requiredConfirmations,
    depositAddress: option.depositAddress,
    treasuryAddress: option.treasuryAddress,
    factoryAddress: option.factoryAddress,
  };
}

/** The option a payment's own coin fields describe (when `options` were not loaded, built from them). */
export function selectedOptionOf(payment: PaymentOptionSource): PaymentOption {
  return paymentOptionsOf(payment).find((option) => sameOption(option, payment))!;
}

/**
 * What a payment's options are read from: its own coin fields, and its loaded options.
 * Ids and addresses may be left out where nothing reads them (lifecycle rules).
 */
export type PaymentOptionSource = Pick<Payment, 'chainId' | 'token' | 'amount' | 'amountMinimum' | 'requiredConfirmations'> &
  Partial<Pick<Payment, 'id' | 'depositAddress' | 'treasuryAddress' | 'factoryAddress' | 'options'>>;

/**
 * A payment's options; when none of the loaded ones is its own coin (none loaded), the own
 * coin comes first as an option built from its fields (id `opt_` + the payment id's ULID, or
 * '' without an id; the zero address for an address left out).
 */
export function paymentOptionsOf(payment: PaymentOptionSource): readonly PaymentOption[] {
  if (payment.options && payment.options.some((option) => sameOption(option, payment))) return payment.options;
  const own: PaymentOption = {
    id: payment.id ? `${ID_PREFIXES.paymentOption}_${payment.id.slice(payment.id.indexOf('_') + 1)}` : '',
    chainId: payment.chainId,
    token: payment.token,
    amount: payment.amount,
    amountMinimum: payment.amountMinimum,
    requiredConfirmations: payment.requiredConfirmations,
    depositAddress: payment.depositAddress ?? UNKNOWN_SENDER,
    treasuryAddress: payment.treasuryAddress ?? UNKNOWN_SENDER,
    factoryAddress: payment.factoryAddress ?? UNKNOWN_SENDER,
    rate: null,
  };
  return [own, ...(payment.options ?? [])];
}

/** Every chain the payments can be paid on (their options' chains), each once, in order of appearance. */
export function paymentChainIds(payments: readonly PaymentOptionSource[]): number[] {
  return [...new Set(payments.flatMap((payment) => paymentOptionsOf(payment).map((option) => option.chainId)))];
}

/** True when two coin references name the same coin on the same chain (token addresses compare case-insensitively). */
export function sameOption(a: { chainId: number; token: Pick<TokenRef, 'address'> }, b: { chainId: number; token: Pick<TokenRef, 'address'> }): boolean {
  return a.chainId === b.chainId && (a.token.address?.toLowerCase() ?? null) === (b.token.address?.toLowerCase() ?? null);
}

export const TRANSFER_STATUSES = ['active', 'orphaned'] as const;
/** `active`: on the canonical chain as far as the watcher knows; `orphaned`: its block was reorged out. */
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** A transfer of value to a deposit address, as recorded by the watcher. */
export interface Transfer {
  chainId: number;
  txHash: Hex;
  /** Log index of the ERC-20 `Transfer` log; -1 for a native-coin transaction. */
  logIndex: number;
  blockNumber: bigint;
  blockHash: Hex;
  blockTimestamp: Date;
  from: Address;
  to: Address;
  /** Token contract, or null for the native coin. */
  tokenAddress: Address | null;
  /** Base units. */
  amount: bigint;
  paymentId: string | null;
  status: TransferStatus;
}

/** Native-coin transfers use this fixed log index in the `(chainId, txHash, logIndex)` key. */
export const NATIVE_LOG_INDEX = -1;

/**
 * Log index of a balance credit: value the scheduler found in a deposit address's on-chain
 * balance at the payment's deadline block that no recorded transfer explains (native coin
 * sent by a contract's internal call, which leaves neither a transaction to the address nor
 * a log). Its key is `(chainId, balanceCreditTxHash(paymentId), -2)`: one credit per
 * payment; its block is the deadline block, its `from` the zero address (unknown).
 */
export const BALANCE_CREDIT_LOG_INDEX = -2;

/** The zero address: the `from` of a balance credit, whose sender is unknown. */
export const UNKNOWN_SENDER: Address = '0x0000000000000000000000000000000000000000';

/**
 * Confirmations of a transfer in `blockNumber` when the chain head is `headBlockNumber`:
 * head - block + 1 (a transfer in the head block has one confirmation), never negative.
 */
export function confirmationsOf(blockNumber: bigint, headBlockNumber: bigint): number {
  const confirmations = headBlockNumber - blockNumber + 1n;
  return confirmations > 0n ? Number(confirmations) : 0;
}

