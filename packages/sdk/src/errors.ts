/** One field at fault in a refused request, named by its JSON path (`amount`, `price.currency`). */
export interface KassaFieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem as Kassa answers it (`application/problem+json`). */
export interface KassaProblem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Kassa's stable error code, e.g. `validation_failed`, `not_found`, `refund_exceeds_received`. */
  code: string;
  errors?: KassaFieldError[];
}

/**
 * A request Kassa refused or failed: its RFC 9457 problem (https://www.rfc-editor.org/rfc/rfc9457)
 * as a typed error. `status` is the HTTP status, `code` Kassa's stable error code
 * (docs/api.md "Errors"), `errors` the fields at fault of a 400.
 */
export class KassaApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: KassaFieldError[];
  /** The problem as received. */
  readonly problem: KassaProblem;

  constructor(problem: KassaProblem) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.name = 'KassaApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.problem = problem;
  }

  /**
   * The error for a non-2xx answer: its problem body, or, when the body is not a problem
   * (a proxy's HTML page), a problem made of the status alone (`code` `http_<status>`).
   */
  static fromAnswer(status: number, body: unknown): KassaApiError {
    if (isProblem(body)) return new KassaApiError(body);
    const text = typeof body === 'string' && body.length > 0 ? body.slice(0, 200) : undefined;
    return new KassaApiError({ type: 'about:blank', title: `HTTP ${status}`, status, code: `http_${status}`, detail: text });
  }
}

/** A webhook whose signature, timestamp or body did not verify (Standard Webhooks): never act on it. */
export class KassaWebhookVerificationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KassaWebhookVerificationError';
  }
}

function isProblem(body: unknown): body is KassaProblem {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Partial<KassaProblem>;
  return typeof candidate.status === 'number' && typeof candidate.code === 'string' && typeof candidate.title === 'string';
}
