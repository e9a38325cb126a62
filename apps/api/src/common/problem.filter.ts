import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { KassaError, QuoteUnavailableError, ValidationError } from '@kassa/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { PROBLEM_CONTENT_TYPE, type Problem, problemType, statusOfCode, withoutCredentials } from './problem';
import { describeRoute } from './request-log';
import type { RouteTable } from './route-table';

interface FastifyError {
  statusCode?: number;
  code?: string;
  message: string;
}

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  408: 'request_timeout',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'request_header_fields_too_large',
};

/**
 * Fastify's `frameworkErrors` handler: errors its router raises before any route runs (a
 * malformed percent-encoding, 400; a path parameter over `maxParamLength`, 414) answered as
 * RFC 9457 problems like every other error.
 */
export function answerFrameworkError(error: { statusCode?: number; message: string }, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const code = HTTP_CODES[status] ?? 'bad_request';
  const detail = status === 414 ? 'A path parameter is longer than the server accepts (100 characters).' : error.message;
  sendProblem(reply, { type: problemType(code), title: titleOf(code), status, detail, instance: request.url.split('?')[0], code });
}

/** Sends `problem` as `application/problem+json` with its status, every credential in it redacted ({@link withoutCredentials}). */
function sendProblem(reply: FastifyReply, problem: Problem): void {
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(withoutCredentials(problem));
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses before Fastify sees
 * it (headers over the size limit, 431; a request that did not arrive in time, 408; a
 * malformed request, 400) is answered as an RFC 9457 problem too, then the connection is
 * closed, as Node does (https://nodejs.org/api/http.html#event-clienterror).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than the server accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, 'The request is not valid HTTP.'];
  const code = HTTP_CODES[status]!;
  const body = JSON.stringify({ type: problemType(code), title: titleOf(code), status, detail, code } satisfies Problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function titleOf(code: string): string {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Turns every error into an RFC 9457 problem response: Kassa's errors by their code (one
 * no request can cause is a 500 like any fault), HTTP errors from Nest and Fastify (unknown route, malformed, oversized or non-JSON body, rate
 * limit) by their status, an unreachable database into a 503 with `Retry-After`, and
 * anything else into a 500 that names no internals, logged
 * once with context. A known path asked with a method it does not accept answers 405 with
 * `Allow` (RFC 9110 section 15.5.6) when a {@link RouteTable} is given.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  constructor(private readonly routes?: RouteTable) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const instance = request.url.split('?')[0] ?? '/';
    const allowed = error instanceof NotFoundException ? (this.routes?.allowedMethods(instance) ?? []) : [];
    if (allowed.length > 0) {
      void reply.header('allow', allowed.join(', '));
      sendProblem(reply, {
        type: problemType('method_not_allowed'),
        title: 'Method not allowed',
        status: 405,
        detail: `${request.method} is not accepted here; use ${allowed.join(', ')}`,
        instance,
        code: 'method_not_allowed',
      });
      return;
    }
    const problem = this.toProblem(error, request, instance);
    // The database is down, not the request wrong: ask the client to come back (as /health/ready says).
    if (problem.code === 'service_unavailable') void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    sendProblem(reply, problem);
  }

  private toProblem(error: unknown, request: FastifyRequest, instance: string): Problem {
    if (error instanceof KassaError) {
      const { status, title } = statusOfCode(error.code);
      // An error a request can cause is a 4xx naming it; any other falls through to the 500 below.
      if (status < 500) {
        return {
          type: problemType(error.code),
          title,
          status,
          detail: error.message,
          instance,
          code: error.code,
          ...(error instanceof ValidationError || error instanceof QuoteUnavailableError ? { errors: error.errors } : {}),
        };
      }
    }
    if (isDatabaseUnavailable(error)) {
      this.logger.warn(`${request.method} ${describeRoute(request)}: the database is unavailable (${(error as Error).message})`);
      return {
        type: problemType('service_unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: `The database is unavailable; nothing was changed. Try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
        instance,
        code: 'service_unavailable',
      };
    }
    const httpStatus = this.httpStatusOf(error);
    if (httpStatus !== undefined && httpStatus < 500) {
      const code = HTTP_CODES[httpStatus] ?? 'bad_request';
      return { type: problemType(code), title: titleOf(code), status: httpStatus, detail: this.detailOf(error, httpStatus, request, instance), instance, code };
    }
    this.logger.error({ msg: 'Unhandled error', method: request.method, route: describeRoute(request), err: error }, (error as Error)?.stack);
    return { type: problemType('internal_error'), title: 'Internal server error', status: 500, detail: 'The server could not complete the request.', instance, code: 'internal_error' };
  }

  private httpStatusOf(error: unknown): number | undefined {
    if (error instanceof HttpException) return error.getStatus();
    const statusCode = (error as FastifyError | undefined)?.statusCode;
    return typeof statusCode === 'number' ? statusCode : undefined;
  }

  private detailOf(error: unknown, status: number, request: FastifyRequest, instance: string): string {
    if (status === 413) return 'The request body is larger than the server accepts (64 KiB).';
    // The router's "Cannot GET <url>" would echo the query string, where a key may have been typed.
    if (error instanceof NotFoundException && error.message.startsWith('Cannot ')) return `There is no route ${request.method} ${instance}.`;
    if (error instanceof HttpException) {
      const response = error.getResponse();
      if (typeof response === 'object' && response !== null && 'message' in response) {
        const message = (response as { message: unknown }).message;
        return Array.isArray(message) ? message.join('; ') : String(message);
      }
      return error.message;
    }
    return (error as FastifyError).message;
  }
}
