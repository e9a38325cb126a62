import { Webhook } from 'standardwebhooks';

import { KassaWebhookVerificationError } from './errors';
import type { KassaEvent } from './types';

/** Request headers as Node's `http` (`IncomingHttpHeaders`), the Fetch API (`Headers`) or a plain object give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** How long a webhook's timestamp may be from now (Standard Webhooks' default, 5 minutes): older or newer is a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/**
 * Verifies a webhook Kassa sent and returns its event (Standard Webhooks,
 * https://www.standardwebhooks.com/, verified by the `standardwebhooks` library): the
 * `webhook-signature` must be an HMAC-SHA256 of `webhook-id.webhook-timestamp.body` under the
 * endpoint's secret, and the timestamp within {@link WEBHOOK_TOLERANCE_SECONDS} of now.
 * The `webhook-id` (also the event id) is the same for every delivery of one event: keep the
 * ids you handled and skip repeats, since a delivery may come twice.
 * @param body the raw request body, exactly as received (not re-serialised JSON)
 * @param headers the request's headers
 * @param secret the endpoint's signing secret, `whsec_...`
 * @throws KassaWebhookVerificationError when anything does not verify: never act on such a request
 */
export function verifyWebhook(body: string | Buffer, headers: WebhookHeaders, secret: string): KassaEvent {
  const wanted = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;
  const found: Record<string, string> = {};
  for (const name of wanted) {
    const value = headers instanceof Headers ? headers.get(name) : headerOf(headers, name);
    if (!value) throw new KassaWebhookVerificationError(`Missing the ${name} header`);
    found[name] = value;
  }
  let verified: unknown;
  try {
    verified = new Webhook(secret).verify(body, found);
  } catch (error) {
    throw new KassaWebhookVerificationError(`The webhook did not verify: ${(error as Error).message}`, { cause: error });
  }
  const event = verified as KassaEvent;
  if (event?.object !== 'event' || event.id !== found['webhook-id']) throw new KassaWebhookVerificationError('The webhook body is not the event its webhook-id names');
  return event;
}

/** A header of a plain object, by its lower-case name whatever the object's case; repeated values joined as HTTP does. */
function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(', ') : value;
}
