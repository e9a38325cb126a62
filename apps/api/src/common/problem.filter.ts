import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError, ValidationError } from '@kassa/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { PROBLEM_CONTENT_TYPE, type Problem, problemType, statusOfCode } from './problem';

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
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/**
 * Turns every error into an RFC 9457 problem response: domain errors by their code, HTTP
 * errors from Nest and Fastify (unknown route, malformed or oversized body) by their
 * status, and anything else into a 500 that names no internals, logged once with context.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(error, request);
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(error: unknown, request: FastifyRequest): Problem {
    const instance = request.url.split('?')[0];
    if (error instanceof DomainError) {
      const { status, title } = statusOfCode(error.code);
      return {
        type: problemType(error.code),
        title,
        status,
        detail: error.message,
        instance,
        code: error.code,
        ...(error instanceof ValidationError ? { errors: error.errors } : {}),
      };
    }
    const httpStatus = this.httpStatusOf(error);
    if (httpStatus !== undefined && httpStatus < 500) {
      const code = HTTP_CODES[httpStatus] ?? 'bad_request';
      return { type: problemType(code), title: this.titleOf(code), status: httpStatus, detail: this.detailOf(error, httpStatus), instance, code };
    }
    this.logger.error({ msg: 'Unhandled error', method: request.method, url: instance, err: error }, (error as Error)?.stack);
    return { type: problemType('internal_error'), title: 'Internal server error', status: 500, detail: 'The server could not complete the request.', instance, code: 'internal_error' };
  }

  private httpStatusOf(error: unknown): number | undefined {
    if (error instanceof HttpException) return error.getStatus();
    const statusCode = (error as FastifyError | undefined)?.statusCode;
    return typeof statusCode === 'number' ? statusCode : undefined;
  }

  private detailOf(error: unknown, status: number): string {
    if (status === 413) return 'The request body is larger than the server accepts.';
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

  private titleOf(code: string): string {
    const words = code.replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
}
