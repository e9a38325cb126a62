/**
 * `@kassa/sdk`: a typed client of Kassa's merchant API and its webhooks (README.md).
 */
export { Kassa, type KassaOptions, type CreateOptions } from './client';
export { KassaApiError, KassaWebhookVerificationError, type KassaFieldError, type KassaProblem } from './errors';
export { verifyWebhook, WEBHOOK_TOLERANCE_SECONDS, type WebhookHeaders } from './webhooks';
export type * from './types';
export type { components, paths } from './generated/openapi';
