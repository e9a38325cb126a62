import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';

import { NotFoundError } from '@kassa/domain';
import type { ApiKeyPrincipal } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { ApiProblemResponses, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { timestampFilter } from '../common/timestamps';
import { EXPORT_KINDS, type ExportKind, ExportsService } from './exports.service';

/** Query of `GET /v1/exports/{kind}`: the creation-time range (transfers: block time). */
export class ExportRangeQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'From this time (ISO 8601 date or date-time), inclusive.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this time, exclusive.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdTo?: string;
}

/** The kind in the path, checked. @throws NotFoundError for another */
export function exportKindOf(value: string): ExportKind {
  const kind = value.replace(/\.csv$/, '');
  if (!(EXPORT_KINDS as readonly string[]).includes(kind)) throw new NotFoundError('export', value);
  return kind as ExportKind;
}

/** CSV exports for scripts (docs/dashboard.md "Exports"), the same files the dashboard offers. */
@ApiTags('exports')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get(':kind')
  @ApiOperation({ summary: 'Export payments, transfers, settlements or refunds as CSV', description: 'Streamed, one row per line with a header row; amounts are decimal strings in the coin.' })
  @ApiParam({ name: 'kind', enum: EXPORT_KINDS })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The CSV file.', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiProblemResponses(400, 404)
  async export(@Principal() principal: ApiKeyPrincipal, @Param('kind') kindParam: string, @Query() query: ExportRangeQuery, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const kind = exportKindOf(kindParam);
    const range = { from: timestampFilter('createdFrom', query.createdFrom), to: timestampFilter('createdTo', query.createdTo) };
    const body = await this.exports.stream(kind, principal.merchantId, range);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${this.exports.fileName(kind, range)}"`)
      .send(body);
  }
}
