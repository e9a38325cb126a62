import { createHash, timingSafeEqual } from 'node:crypto';

import { Controller, Get, HttpException, HttpStatus, Inject, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import { OpsStatusService } from './ops-status.service';
import { OPS_PAGE_CSP, renderOpsPage } from './ops.page';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The credential a request presents: a Bearer token, or the password of HTTP Basic (what
 * a browser prompts for; the user name is ignored). Undefined when there is none.
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * `GET /ops`: the operator status page (docs/operations.md "Status page"), behind
 * `KASSA_OPERATOR_TOKEN`: 404 when no token is configured, 401 with a Basic challenge
 * without the right token (compared in constant time).
 */
@ApiTags('operations')
@Controller('ops')
export class OpsController {
  constructor(
    private readonly status: OpsStatusService,
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Operator status page',
    description: 'HTML: chains with lag, payments of the last hour by status, failing webhook endpoints. Needs KASSA_OPERATOR_TOKEN (Basic password or Bearer): 401 without it, 404 when none is configured.',
  })
  @ApiBasicAuth()
  @ApiBearerAuth()
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', schema: { type: 'string' } })
  async page(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const token = this.config.operator.token;
    // Not NotFoundException: that one means "known path, other method" to the problem filter.
    if (!token) throw new HttpException('The operator status page is off: set KASSA_OPERATOR_TOKEN', HttpStatus.NOT_FOUND);
    const presented = presentedToken(request.headers.authorization);
    if (presented === undefined || !timingSafeEqual(digest(presented), digest(token.reveal()))) {
      void reply.header('www-authenticate', 'Basic realm="Kassa operators", charset="UTF-8"');
      throw new UnauthorizedException('The operator token is missing or wrong');
    }
    const html = renderOpsPage(await this.status.read());
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', OPS_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    return html;
  }
}
