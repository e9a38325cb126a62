import { performance } from 'node:perf_hooks';

import { ValidationError } from '@kassa/domain';
import { Agent, request } from 'undici';

import { assertWebhookUrlAllowed, createGuardedLookup, type ResolveHost } from '../endpoints/webhook-url.policy';
import type { WebhookSignatureHeaders } from '../signing/webhook-signature';

/** Sent as `user-agent` on every delivery, so receivers can recognise and allow-list Kassa. */
export const WEBHOOK_USER_AGENT = 'Kassa-Webhooks/1';

/** Bytes of an endpoint's response kept in the attempt log. */
export const MAX_LOGGED_RESPONSE_BYTES = 2048;

/** Characters of an error description kept in the attempt log. */
const MAX_ERROR_LENGTH = 500;

export interface WebhookSenderOptions {
  /** Time an endpoint has to send a complete response (headers and body), milliseconds. */
  timeoutMs: number;
  /** `webhooks.allowPrivateUrls`: when false, only public addresses are ever connected to. */
  allowPrivateUrls: boolean;
  /** Host name resolution; `dns.lookup` unless a test replaces it. */
  resolve?: ResolveHost;
}

/** One signed POST to a webhook endpoint. */
export interface WebhookRequest {
  url: string;
  /** The exact JSON text that was signed; sent as its UTF-8 bytes. */
  body: string;
  headers: WebhookSignatureHeaders;
}

/** What one delivery attempt did, as it is recorded in the attempt log. */
export interface AttemptResult {
  /** True for a complete 2xx response within the timeout; anything else is retried. */
  ok: boolean;
  /** HTTP status, or null when no response arrived (refused, unreachable, timed out before headers). */
  statusCode: number | null;
  /** From just before connecting to the end of the response or the failure, whole milliseconds. */
  durationMs: number;
  /** Why the attempt failed when the status alone does not say it; null on success and plain non-2xx. */
  error: string | null;
  /** First 2 KiB of the response body as UTF-8, null when no response arrived. */
  responseBody: string | null;
}

/** PostgreSQL text cannot hold NUL, and log lines should stay one line of readable text. */
function printable(text: string, max: number): string {
  const clean = text.replaceAll('\u0000', '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

interface ErrorLike {
  message: string;
  code?: unknown;
  cause?: unknown;
}

/** Duck-typed: errors from Node's own modules may come from another realm than `Error`. */
function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as ErrorLike).message === 'string';
}

function describeError(error: unknown): string {
  if (!isErrorLike(error)) return String(error);
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code === 'ECONNREFUSED') return `connection refused (${error.message})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${error.message})`;
  if (code === 'webhook_private_address') return `refused: ${error.message}`;
  if (isErrorLike(error.cause) && error.cause.message !== error.message) return `${error.message}: ${describeError(error.cause)}`;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/**
 * Sends signed webhook requests. Redirects are never followed (a 3xx is a failure: the
 * signature names no other URL and following could reach a private host). Every attempt
 * has one hard deadline that covers DNS, connecting, TLS, the response headers and the
 * response body, so a slow or silent endpoint costs at most `timeoutMs`. Unless private
 * URLs are allowed, connections go only to public addresses, checked on each connection.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly options: WebhookSenderOptions) {
    const connect = { timeout: options.timeoutMs };
    this.agent = new Agent({
      connect: options.allowPrivateUrls ? connect : { ...connect, lookup: createGuardedLookup(options.resolve) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  /** POSTs one delivery attempt; never throws, every outcome is an {@link AttemptResult}. */
  async send(webhook: WebhookRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      assertWebhookUrlAllowed(webhook.url, { allowPrivate: this.options.allowPrivateUrls });
    } catch (error) {
      const reason = error instanceof ValidationError ? error.message : describeError(error);
      return { ok: false, statusCode: null, durationMs: 0, error: printable(`refused: ${reason}`, MAX_ERROR_LENGTH), responseBody: null };
    }

    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let statusCode: number | null = null;
    let location: string | undefined;
    const received: Buffer[] = [];
    let receivedBytes = 0;
    try {
      const response = await request(webhook.url, {
        method: 'POST',
        dispatcher: this.agent,
        signal: deadline,
        headers: { ...webhook.headers, 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT },
        body: Buffer.from(webhook.body, 'utf8'),
      });
      statusCode = response.statusCode;
      const header = response.headers.location;
      location = Array.isArray(header) ? header[0] : header;
      // Stop reading after the logged prefix: leaving the loop destroys the rest of the body.
      for await (const chunk of response.body) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        received.push(bytes);
        receivedBytes += bytes.length;
        if (receivedBytes >= MAX_LOGGED_RESPONSE_BYTES) break;
      }
    } catch (error) {
      const reason = deadline.aborted
        ? `timed out: no complete response within ${this.options.timeoutMs} ms`
        : describeError(error);
      return {
        ok: false,
        statusCode,
        durationMs: elapsed(),
        error: printable(reason, MAX_ERROR_LENGTH),
        responseBody: statusCode === null ? null : this.decode(received),
      };
    }

    const ok = statusCode >= 200 && statusCode < 300;
    const redirected = statusCode >= 300 && statusCode < 400;
    return {
      ok,
      statusCode,
      durationMs: elapsed(),
      error: redirected ? printable(`redirect not followed${location ? ` (location: ${location})` : ''}`, MAX_ERROR_LENGTH) : null,
      responseBody: this.decode(received),
    };
  }

  /** Closes idle keep-alive connections; call once when the process shuts down. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Nest calls this after `beforeApplicationShutdown`, when the delivery service has drained. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private decode(chunks: Buffer[]): string {
    return printable(Buffer.concat(chunks).subarray(0, MAX_LOGGED_RESPONSE_BYTES).toString('utf8'), MAX_LOGGED_RESPONSE_BYTES);
  }
}
