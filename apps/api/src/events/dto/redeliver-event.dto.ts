import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

/** Body of `POST /v1/events/:id/redeliver` (may be omitted). */
export class RedeliverEventDto {
  @ApiPropertyOptional({
    example: 'we_01JD3M6Q8Y7W4ZK2N5R0T9V1XC',
    description: 'Only to this endpoint (enabled; subscribed to the type or not). Omitted: every enabled endpoint subscribed to the type.',
  })
  @IsOptional()
  @Matches(/^we_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a webhook endpoint id' })
  endpointId?: string;
}
