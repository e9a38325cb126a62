import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional } from 'class-validator';

import { EVENT_TYPES } from '@kassa/domain';

/**
 * An endpoint's optional `enabledEvents`: distinct event types of Kassa's list (Standard
 * Webhooks' event types, docs/webhooks.md), documented with `description`.
 */
export function EnabledEventsProperty(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(EVENT_TYPES.length),
    ArrayUnique(),
    IsIn(EVENT_TYPES, { each: true }),
  );
}
