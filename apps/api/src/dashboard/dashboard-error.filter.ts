import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { KassaError } from '@kassa/domain';

import { statusOfCode } from '../common/problem';
import { DASHBOARD_HEADERS } from './dashboard-headers';
import { SignInRequired } from './dashboard-auth.service';
import { errorView } from './views/sign-in.view';

/**
 * Errors of dashboard pages as pages, never as JSON: not signed in -> the sign-in page (303);
 * an error Kassa throws on purpose -> its status and message (a viewer's attempt to change
 * something is a 403 page); anything else -> a 500 page that names no internals, logged once.
 */
@Catch()
export class DashboardErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(DashboardErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof SignInRequired) {
      void reply.status(303).header('location', '/dashboard/sign-in').send();
      return;
    }
    let status = 500;
    let message = 'Something went wrong on our side; it was logged. Try again.';
    if (error instanceof KassaError) {
      status = statusOfCode(error.code).status;
      if (status < 500) message = error.shortMessage;
    } else if (error instanceof HttpException && error.getStatus() < 500) {
      status = error.getStatus();
      message = error.message;
    }
    if (status >= 500) this.logger.error(`Dashboard page failed: ${(error as Error).message}`, (error as Error).stack);
    void reply.status(status).headers({ ...DASHBOARD_HEADERS, 'content-type': 'text/html; charset=utf-8' }).send(errorView(status, message));
  }
}
