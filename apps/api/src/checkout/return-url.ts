import type { PaymentObject } from '@kassa/domain';

/**
 * Where the checkout sends the customer once the payment is final (the seeds' "redirect
 * back": xPay's callbackUrl, IVPAY's success or failure page): `successUrl` on PAID,
 * `cancelUrl` on TIMEOUT or CANCELED, with `payment_id` and `order_id` (when the payment has
 * one) set as query parameters. The URL's own query parameters and fragment are kept.
 *
 * @returns null while the payment is open, when the merchant gave no URL for this outcome,
 *   or when the stored URL is not http(s) (the API refuses those; this is a second guard,
 *   since the page navigates to it)
 */
export function returnUrlOf(payment: Pick<PaymentObject, 'id' | 'status' | 'orderId' | 'successUrl' | 'cancelUrl'>): string | null {
  const target = payment.status === 'PAID' ? payment.successUrl : payment.status === 'TIMEOUT' || payment.status === 'CANCELED' ? payment.cancelUrl : null;
  if (!target) return null;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.searchParams.set('payment_id', payment.id);
  if (payment.orderId !== null) url.searchParams.set('order_id', payment.orderId);
  return url.toString();
}
