import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { KassaMetrics } from '@kassa/observability';

import { DatabaseMetrics } from './database-metrics';

/**
 * `GET /metrics`: Prometheus text of this process (docs/operations.md), with the chain,
 * payment and webhook queue gauges read from the database at each scrape.
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: KassaMetrics,
    private readonly database: DatabaseMetrics,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics', description: 'Chain head, cursor and lag, RPC requests, payments by status, time to PAID, webhook deliveries and queue (docs/operations.md).' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    await this.database.refresh();
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }
}
