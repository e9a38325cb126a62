import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { ChainStatusRepository } from '@kassa/persistence';

import { chainHealth, type ChainHealth } from './chain-health';

/** The body of `/health/ready`. */
export interface ReadinessReport {
  /** `unavailable` (503) without the database; `degraded` when a chain is not `ok`. */
  status: 'ok' | 'degraded' | 'unavailable';
  checks: { database: 'ok' | 'unavailable'; chains: ChainHealth[] };
}

/** Liveness and readiness for load balancers and orchestrators (DESIGN.md "Operations"). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly chainStatuses: ChainStatusRepository,
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * The database, and each configured chain as its watcher reported it (table
   * `chain_status`). Only a missing database makes the API unready (503): a chain whose RPC
   * fails does not stop merchants creating payments or customers opening the checkout on
   * the other chains, so it is reported as `degraded` with a 200.
   */
  @Get('ready')
  @ApiOperation({
    summary: 'The database answers; how each chain is followed',
    description: '503 when the database does not answer. Each chain: ok, lagging (more than KASSA_HEALTH_MAX_LAG_BLOCKS behind the head), degraded (RPC or database failures, stalled), stale (no watcher reports) or unknown.',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const reports = await this.chainStatuses.list(this.config.chains.map((chain) => chain.chainId)).catch(() => null);
    if (reports === null) {
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', checks: { database: 'unavailable', chains: [] } };
    }
    const now = new Date();
    const byChain = new Map(reports.map((report) => [report.chainId, report]));
    const chains = this.config.chains.map((chain) => chainHealth(chain, byChain.get(chain.chainId), now, this.config.health.maxLagBlocks));
    return { status: chains.every((chain) => chain.status === 'ok') ? 'ok' : 'degraded', checks: { database: 'ok', chains } };
  }
}
