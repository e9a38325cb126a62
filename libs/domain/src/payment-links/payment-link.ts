import type { MerchantId } from '../payments/payment';

/**
 * What each visit of a payment link asks for: the body of `POST /v1/payments` without an
 * order id, either a fixed coin (`amount`, `currency`, optional `chainId`) or a `price`
 * with optional `acceptedCurrencies` (docs/payment-links.md).
 */
export interface PaymentLinkTemplate {
  /** Fixed coin: decimal string in token units. */
  amount?: string;
  currency?: string;
  chainId?: number;
  /** A price instead of a fixed coin. */
  price?: { amount: string; currency: string };
  acceptedCurrencies?: { currency: string; chainId?: number }[];
  description?: string;
  metadata?: Record<string, unknown>;
  successUrl?: string;
  cancelUrl?: string;
}

/**
 * A payment link (Stripe Payment Links, Coinbase Commerce checkouts): a public URL whose
 * every visit creates a payment from its template and sends the customer to its checkout.
 * A single-use link stops once one of its payments is PAID.
 */
export interface PaymentLink {
  id: string;
  merchantId: MerchantId;
  template: PaymentLinkTemplate;
  /** False: single-use. */
  reusable: boolean;
  /** After this time the link creates no payment; null: never expires. */
  expiresAt: Date | null;
  createdAt: Date;
  /** When the merchant deactivated it; null while active. */
  deactivatedAt: Date | null;
  /** Whether one of its payments is PAID (read with the link). */
  paid: boolean;
}

export const PAYMENT_LINK_STATUSES = ['active', 'inactive', 'expired', 'completed'] as const;
/**
 * `active`: a visit creates a payment; `inactive`: deactivated by the merchant; `expired`:
 * past its `expiresAt`; `completed`: a single-use link whose payment is PAID.
 */
export type PaymentLinkStatus = (typeof PAYMENT_LINK_STATUSES)[number];

/** Where a link stands at `now`; a deactivated link stays `inactive` whatever else holds. */
export function paymentLinkStatus(link: PaymentLink, now: Date): PaymentLinkStatus {
  if (link.deactivatedAt !== null) return 'inactive';
  if (!link.reusable && link.paid) return 'completed';
  if (link.expiresAt !== null && link.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** The payment link as merchants see it (`/v1/payment-links`). Money as decimal strings. */
export interface PaymentLinkObject {
  id: string;
  object: 'payment_link';
  status: PaymentLinkStatus;
  /** The public URL to share: each visit creates a payment. */
  url: string;
  /** An SVG QR code of `url`, for printing. */
  qrCodeUrl: string;
  reusable: boolean;
  amount: string | null;
  currency: string | null;
  chainId: number | null;
  price: { amount: string; currency: string } | null;
  acceptedCurrencies: { currency: string; chainId: number | null }[] | null;
  description: string | null;
  metadata: Record<string, unknown>;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: string | null;
  createdAt: string;
  deactivatedAt: string | null;
}

/**
 * Builds the link object.
 * @param publicUrl Kassa's public base URL without a trailing slash (`https://pay.example`)
 */
export function toPaymentLinkObject(link: PaymentLink, publicUrl: string, now: Date): PaymentLinkObject {
  const { template } = link;
  const url = `${publicUrl}/l/${link.id}`;
  return {
    id: link.id,
    object: 'payment_link',
    status: paymentLinkStatus(link, now),
    url,
    qrCodeUrl: `${url}/qr.svg`,
    reusable: link.reusable,
    amount: template.amount ?? null,
    currency: template.currency ?? null,
    chainId: template.chainId ?? null,
    price: template.price ? { amount: template.price.amount, currency: template.price.currency } : null,
    acceptedCurrencies: template.acceptedCurrencies?.map(({ currency, chainId }) => ({ currency, chainId: chainId ?? null })) ?? null,
    description: template.description ?? null,
    metadata: template.metadata ?? {},
    successUrl: template.successUrl ?? null,
    cancelUrl: template.cancelUrl ?? null,
    expiresAt: link.expiresAt?.toISOString() ?? null,
    createdAt: link.createdAt.toISOString(),
    deactivatedAt: link.deactivatedAt?.toISOString() ?? null,
  };
}
