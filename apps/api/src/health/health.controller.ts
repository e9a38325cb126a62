import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';

/** Liveness and readiness for load balancers and orchestrators (DESIGN.md "Operations"). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'The database answers', description: '503 with the failing part when not ready.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: 'ok' | 'unavailable'; checks: { database: 'ok' | 'unavailable' } }> {
    const database = await this.dataSource.query('SELECT 1').then(() => 'ok' as const, () => 'unavailable' as const);
    if (database !== 'ok') void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: database, checks: { database } };
  }
}
