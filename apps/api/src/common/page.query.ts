import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';

/**
 * Turns a query-string integer into a number (query values arrive as strings); anything
 * else is left as it is, for the validators to refuse.
 */
export const queryInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;

/** The page size of a newest-first list query; each list adds its filters and its `startingAfter` cursor (an id of its kind). */
export abstract class PageSizeQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** What most newest-first list queries share: a creation-time range and the page size. */
export abstract class CreatedRangePageQuery extends PageSizeQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'Only objects created at or after this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only objects created before this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdTo?: string;
}
