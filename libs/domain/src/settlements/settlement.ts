import { fromBaseUnits } from '../money/amounts';
import { isFinal, type Address, type Hex, type MerchantId, type PaymentStatus, type TokenRef } from '../payments/payment';
import type { SettlementMode } from './settlement-policy';

/**
 * Settlement: moving what a deposit address holds to the treasury it is bound to, by calling
 * `DepositFactory.flush`/`flushMany` from a gas payer (DESIGN.md "Deposit addresses";
 * docs/settlement.md). Kassa holds no key of a deposit address: it only pays the gas.
 */

/**
 * States of one settlement (one flush of one payment's deposit address):
 * `pending` (in a transaction not yet confirmed), `settled` (confirmed; or nothing was left
 * to move because someone else flushed first), `failed` (the transaction reverted, or could
 * not be built; Kassa tries again later).
 */
export const SETTLEMENT_STATUSES = ['pending', 'settled', 'failed'] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/**
 * A payment's settlement as the payment object shows it: `unsettled` (value waits for the
 * merchant's policy), `pending`, `settled`, `failed`, or `off` (the merchant settles itself).
 */
export const PAYMENT_SETTLEMENT_STATUSES = ['unsettled', 'pending', 'settled', 'failed', 'off'] as const;
export type PaymentSettlementStatus = (typeof PAYMENT_SETTLEMENT_STATUSES)[number];

/** One asset a settlement moved: `amount` base units of `token` (address null = native coin). */
export interface SettledAmount {
  token: TokenRef;
  amount: bigint;
}

/** The transaction that carried a settlement (possibly with other payments' settlements). */
export interface SettlementTransaction {
  /** The mined transaction's hash, or while pending the latest one broadcast. */
  hash: Hex;
  nonce: number;
  /** Null until mined. */
  blockNumber: bigint | null;
  /** Gas of the whole transaction, null until mined. */
  gasUsed: bigint | null;
  /** Wei per gas actually paid, null until mined. */
  effectiveGasPrice: bigint | null;
  /** How many payments the transaction settles. */
  batchSize: number;
}

/** One settlement of one payment. */
export interface Settlement {
  id: string;
  merchantId: MerchantId;
  paymentId: string;
  chainId: number;
  depositAddress: Address;
  treasuryAddress: Address;
  status: SettlementStatus;
  /** What arrived at the treasury, from the `Flushed` events of the mined transaction; empty until settled. */
  amounts: SettledAmount[];
  /** Null when nothing had to be sent (already flushed) or building the transaction failed. */
  transaction: SettlementTransaction | null;
  /** Why a settlement failed (short, no secrets). */
  error: string | null;
  createdAt: Date;
  settledAt: Date | null;
}

/** The public settlement object (`GET /v1/settlements`): decimal and integer strings, ISO 8601 times. */
export interface SettlementObject {
  id: string;
  object: 'settlement';
  paymentId: string;
  status: SettlementStatus;
  chainId: number;
  depositAddress: string;
  treasuryAddress: string;
  amounts: { currency: string; token: { address: string | null; decimals: number }; amount: string; amountBaseUnits: string }[];
  transaction: {
    hash: string;
    nonce: number;
    blockNumber: string | null;
    gasUsed: string | null;
    effectiveGasPrice: string | null;
    /** gasUsed x effectiveGasPrice, wei, for the whole transaction. */
    fee: string | null;
    batchSize: number;
  } | null;
  error: string | null;
  createdAt: string;
  settledAt: string | null;
}

/** Builds the public settlement object. */
export function toSettlementObject(settlement: Settlement): SettlementObject {
  const tx = settlement.transaction;
  return {
    id: settlement.id,
    object: 'settlement',
    paymentId: settlement.paymentId,
    status: settlement.status,
    chainId: settlement.chainId,
    depositAddress: settlement.depositAddress,
    treasuryAddress: settlement.treasuryAddress,
    amounts: settlement.amounts.map(({ token, amount }) => ({
      currency: token.symbol,
      token: { address: token.address, decimals: token.decimals },
      amount: fromBaseUnits(amount, token.decimals),
      amountBaseUnits: amount.toString(),
    })),
    transaction: tx
      ? {
          hash: tx.hash,
          nonce: tx.nonce,
          blockNumber: tx.blockNumber?.toString() ?? null,
          gasUsed: tx.gasUsed?.toString() ?? null,
          effectiveGasPrice: tx.effectiveGasPrice?.toString() ?? null,
          fee: tx.gasUsed !== null && tx.effectiveGasPrice !== null ? (tx.gasUsed * tx.effectiveGasPrice).toString() : null,
          batchSize: tx.batchSize,
        }
      : null,
    error: settlement.error,
    createdAt: settlement.createdAt.toISOString(),
    settledAt: settlement.settledAt?.toISOString() ?? null,
  };
}

/** The `settlement` field of the payment object (API and webhooks). */
export interface PaymentSettlementObject {
  status: PaymentSettlementStatus;
  /** The latest settlement's id (`stl_...`), null when there is none. */
  id: string | null;
  /** Its transaction: the mined one, or while pending the latest broadcast; null without one. */
  txHash: string | null;
  settledAt: string | null;
}

/** What the payment object needs to know about a payment's settlements. */
export interface PaymentSettlementState {
  latest: { id: string; status: SettlementStatus; txHash: Hex | null; settledAt: Date | null } | null;
  /** Some active transfer to the deposit address is recorded. */
  hasValue: boolean;
  /** Some active transfer arrived after the last settled settlement (or there is none). */
  hasUnsettledValue: boolean;
  mode: SettlementMode;
}

/**
 * The payment object's `settlement`: null while the payment is open, and for a final payment
 * that never received anything; otherwise its latest settlement's state, `unsettled` when
 * value waits (first settlement, or a late transfer after the last one), `off` when the
 * merchant's policy leaves settlement to the merchant.
 */
export function paymentSettlementOf(status: PaymentStatus, state: PaymentSettlementState): PaymentSettlementObject | null {
  if (!isFinal(status) || (!state.hasValue && state.latest === null)) return null;
  const latest = state.latest;
  const reference = {
    id: latest?.id ?? null,
    txHash: latest?.txHash ?? null,
    settledAt: latest?.settledAt?.toISOString() ?? null,
  };
  if (latest?.status === 'pending') return { status: 'pending', ...reference };
  if (state.mode === 'off' && (latest === null || state.hasUnsettledValue)) return { status: 'off', ...reference };
  if (latest?.status === 'failed') return { status: 'failed', ...reference };
  if (latest?.status === 'settled' && !state.hasUnsettledValue) return { status: 'settled', ...reference };
  return { status: 'unsettled', ...reference };
}
