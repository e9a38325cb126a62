import { keccak256, stringToHex, type Hex } from 'viem';

/**
 * The `txHash` of a payment's balance credit (`@kassa/domain` `BALANCE_CREDIT_LOG_INDEX`):
 * `keccak256("kassa:balance-credit:<paymentId>")`. It names no transaction on chain (the
 * value came by an internal call the node does not index); being derived from the payment
 * id, it makes the credit's key `(chainId, txHash, -2)` unique per payment, so a repeated
 * balance check never credits twice.
 */
export function balanceCreditTxHash(paymentId: string): Hex {
  return keccak256(stringToHex(`kassa:balance-credit:${paymentId}`));
}
