import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath, ApiExtraModels } from '@nestjs/swagger';

/** One field at fault in a validation problem. */
export class FieldErrorResponse {
  @ApiProperty({ example: 'amount' })
  field!: string;

  @ApiProperty({ example: 'has more than 6 decimal places' })
  message!: string;
}

/** RFC 9457 problem details, as every error is answered. */
export class ProblemResponse {
  @ApiProperty({ example: 'urn:kassa:problem:validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Invalid request' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiPropertyOptional({ example: 'amount: has more than 6 decimal places' })
  detail?: string;

  @ApiPropertyOptional({ example: '/v1/payments' })
  instance?: string;

  @ApiProperty({ example: 'validation_failed', description: 'Stable machine-readable code.' })
  code!: string;

  @ApiPropertyOptional({ type: [FieldErrorResponse] })
  errors?: FieldErrorResponse[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the fields at fault are listed in `errors` (wrong type, unknown field, bad value, malformed JSON).',
  401: 'Missing, malformed, unknown or revoked API key.',
  403: 'The API key lacks the scope this route needs.',
  404: 'No such object for this merchant (a malformed id included).',
  409: 'Conflict with the current state, or an idempotency key reused with another body.',
  413: 'Request body larger than 64 KiB.',
  415: 'Request body not sent as application/json.',
  422: 'The request is well-formed but cannot be done now (no rate to quote, a payout limit, no payout wallet).',
  429: 'Too many requests: retry after `Retry-After` seconds.',
};

/** Problem responses every route of the merchant API can answer. */
export const MERCHANT_API_PROBLEMS = [401, 429] as const;
/** Problem responses of a route that takes a JSON body. */
export const BODY_PROBLEMS = [400, 413, 415] as const;

/**
 * Documents the problem responses (`application/problem+json`, RFC 9457) a route can
 * answer; a 429 also documents its `Retry-After` header.
 */
export function ApiProblemResponses(...statuses: number[]): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemResponse),
    ...[...new Set(statuses)].sort().map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemResponse) } } },
        ...(status === 429
          ? { headers: { 'Retry-After': { description: 'Seconds until the limit resets.', schema: { type: 'integer' } } } }
          : {}),
      }),
    ),
  );
}
