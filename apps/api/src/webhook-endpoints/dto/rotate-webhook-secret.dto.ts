import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Default time the previous secret keeps signing after a rotation: one day. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
/** Longest grace period: seven days. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

/** Body of `POST /v1/webhook-endpoints/:id/rotate-secret` (may be omitted). */
export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_ROTATION_GRACE_SECONDS,
    default: DEFAULT_ROTATION_GRACE_SECONDS,
    description: 'How long the previous secret keeps signing (a second `v1,` signature); 0 retires it at once.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_GRACE_SECONDS)
  gracePeriodSeconds?: number;
}
