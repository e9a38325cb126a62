import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

import { latestScheduleSlot, SETTLEMENT_MODES, type SettlementMode, type SettlementPolicy } from '@kassa/domain';

/** Thresholds: an object of at most 50 currencies, each a decimal string (checked further by the domain). */
@ValidatorConstraint({ name: 'thresholdMap' })
class ThresholdMap implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return entries.length <= 50 && entries.every(([key, amount]) => key.length <= 16 && typeof amount === 'string' && amount.length <= 100);
  }

  defaultMessage(): string {
    return 'must map currency symbols to decimal strings, e.g. {"USDC": "100"}';
  }
}

/** Body of `PUT /v1/settlement-policy`: the whole policy (fields of other modes are ignored). */
export class PutSettlementPolicyDto {
  @ApiProperty({ enum: SETTLEMENT_MODES, description: 'immediate, threshold, schedule, or off (the merchant flushes its deposit addresses itself).' })
  @IsIn(SETTLEMENT_MODES)
  mode!: SettlementMode;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { USDC: '100', ETH: '0.5' },
    description: 'threshold mode: per currency, the waiting amount (decimal, token units) that triggers settlement; currencies not listed settle immediately.',
  })
  @IsOptional()
  @IsObject()
  @Validate(ThresholdMap)
  thresholds?: Record<string, string>;

  @ApiPropertyOptional({ example: 86400, minimum: 60, maximum: 2592000, description: 'schedule mode: seconds between settlements, counted from when the policy is set.' })
  @IsOptional()
  @IsInt()
  intervalSeconds?: number;

  @ApiPropertyOptional({ example: 604800, minimum: 60, maximum: 2592000, description: 'threshold mode: the longest value may wait below its threshold (default 7 days).' })
  @IsOptional()
  @IsInt()
  maxWaitSeconds?: number;
}

/** OpenAPI description of the settlement policy. */
export class SettlementPolicyResponse {
  @ApiProperty({ enum: ['settlement_policy'] }) object!: string;
  @ApiProperty({ enum: SETTLEMENT_MODES }) mode!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { USDC: '100' } }) thresholds!: Record<string, string>;
  @ApiProperty({ nullable: true, type: Number }) intervalSeconds!: number | null;
  @ApiProperty({ nullable: true, type: Number }) maxWaitSeconds!: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'schedule mode: when the next settlement run is due.' })
  nextScheduledAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When the policy was last set; null for the default (immediate).' })
  updatedAt!: string | null;
}

/** The policy as the API answers it. */
export function toSettlementPolicyResponse(policy: SettlementPolicy, now: Date = new Date()): SettlementPolicyResponse {
  const isDefault = policy.updatedAt.getTime() === 0;
  let nextScheduledAt: string | null = null;
  if (policy.mode === 'schedule' && policy.intervalSeconds) {
    const latest = latestScheduleSlot(policy, now) ?? policy.updatedAt;
    nextScheduledAt = new Date(latest.getTime() + policy.intervalSeconds * 1000).toISOString();
  }
  return {
    object: 'settlement_policy',
    mode: policy.mode,
    thresholds: policy.thresholds,
    intervalSeconds: policy.intervalSeconds,
    maxWaitSeconds: policy.maxWaitSeconds,
    nextScheduledAt,
    updatedAt: isDefault ? null : policy.updatedAt.toISOString(),
  };
}
