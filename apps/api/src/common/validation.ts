import { type ArgumentMetadata, ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { type FieldError, ValidationError } from '@kassa/domain';

function flatten(errors: ClassValidatorError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    // JSON paths as the docs write them: `acceptedCurrencies[0].currency`.
    const field = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Deepest nesting of objects and arrays a request may carry (metadata included). */
export const MAX_JSON_DEPTH = 16;

// A lone UTF-16 surrogate: valid in a JS string, refused by PostgreSQL text and jsonb.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badText(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the NUL character';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text (no lone surrogates)';
  return null;
}

/**
 * Refuses what no field may carry, before any DTO logic sees it: nesting deeper than
 * {@link MAX_JSON_DEPTH}, and strings or keys that PostgreSQL cannot store (NUL, lone
 * surrogates). Iterative, so a hostile body cannot exhaust the stack.
 * @throws ValidationError naming the first field at fault
 */
export function assertStorableJson(value: unknown, root: string): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = badText(current);
      if (problem) throw ValidationError.field(path || 'body', problem);
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) throw ValidationError.field(path || 'body', `is nested more than ${MAX_JSON_DEPTH} levels deep`);
    for (const [key, child] of Object.entries(current)) {
      const childPath = Array.isArray(current) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      const problem = badText(key);
      if (problem) throw ValidationError.field(path || 'body', `has a key that ${problem.replace(/^must/, 'must')}`);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}

/**
 * The request validation pipe: DTO classes (class-validator) with unknown fields refused
 * and no implicit type conversion, so `"amount": 25.5` is an error, not a float. A body
 * that is not a JSON object (an array, a string, null) is refused, and so is anything
 * {@link assertStorableJson} refuses. Failures become a domain {@link ValidationError}
 * naming every field at fault (RFC 9457 problem, 400), before anything is written.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object && value !== undefined) {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw ValidationError.field('body', 'must be a JSON object');
        }
      }
      assertStorableJson(value, '');
    }
    return super.transform(value, metadata);
  }
}

/** The pipe every route runs its body, query and path parameters through. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe();
}
