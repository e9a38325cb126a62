import { type CanActivate, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { GUARDS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ValidationError } from '@kassa/domain';
import type { FastifyRequest } from 'fastify';

const ANY_QUERY_PARAMETERS = 'kassa:any-query-parameters';

/**
 * Marks a controller whose routes take query parameters they do not declare: the customer's
 * checkout pages, whose links merchants and campaigns decorate (`?utm_source=...`) and whose
 * assets the page fetches with cache-busting parameters.
 */
export const AcceptsAnyQueryParameters = (): ClassDecorator & MethodDecorator => SetMetadata(ANY_QUERY_PARAMETERS, true);

/**
 * A guard that ends with {@link assertKnownQueryParameters} itself (the API key guard: an
 * unauthenticated request answers 401 before its query is judged). Routes behind such a
 * guard are not checked again by {@link KnownQueryParametersGuard}.
 */
export interface ChecksQueryParameters {
  readonly checksQueryParameters: true;
}

/** What a route accepts in its query: any names, the fields of its query DTO, or these names. */
type QueryRule = 'any' | 'dto' | ReadonlySet<string>;

interface RouteArgument {
  index: number;
  data?: unknown;
}

// Per controller class and handler: the rule never changes once the routes are declared.
const RULES = new WeakMap<object, WeakMap<object, QueryRule>>();
const SELF_CHECKED = new WeakMap<object, WeakMap<object, boolean>>();

/**
 * Refuses query parameters the route does not declare, like an unknown body field:
 * `GET /v1/merchant?foo=1` is a mistake to report, not to ignore. Routes that take a whole
 * query DTO (`@Query() query: ListPaymentsQuery`) are left to the validation pipe, which
 * refuses unknown fields of the DTO; routes with named parameters (`@Query('embed')`) accept
 * those names only; routes marked {@link AcceptsAnyQueryParameters} accept any; every other
 * route accepts none. The rule of each route is worked out once, on its first request.
 *
 * @throws ValidationError (400) listing every undeclared parameter
 */
export function assertKnownQueryParameters(context: ExecutionContext): void {
  const rule = memo(RULES, context, queryRule);
  if (rule === 'any' || rule === 'dto') return;
  const query = context.switchToHttp().getRequest<FastifyRequest>().query;
  if (typeof query !== 'object' || query === null) return;
  const unknown = Object.keys(query).filter((name) => !rule.has(name));
  if (unknown.length > 0) throw new ValidationError(unknown.map((field) => ({ field, message: 'is not a query parameter of this route' })));
}

/**
 * The global guard applying {@link assertKnownQueryParameters} to every HTTP route, except
 * those whose own guard applies it after authenticating ({@link ChecksQueryParameters}). A
 * guard rather than an interceptor: an interceptor puts every request of the API through an
 * observable pipeline, which cost more CPU than the create route's own work
 * (docs/performance.md "API").
 * @throws ValidationError (400) as {@link assertKnownQueryParameters}
 */
export class KnownQueryParametersGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http' && !memo(SELF_CHECKED, context, checkedByOwnGuard)) assertKnownQueryParameters(context);
    return true;
  }
}

function memo<T>(cache: WeakMap<object, WeakMap<object, T>>, context: ExecutionContext, compute: (controller: object, handler: object) => T): T {
  const controller = context.getClass();
  const handler = context.getHandler();
  let byHandler = cache.get(controller);
  if (!byHandler) cache.set(controller, (byHandler = new WeakMap()));
  let value = byHandler.get(handler);
  if (value === undefined) byHandler.set(handler, (value = compute(controller, handler)));
  return value;
}

function queryRule(controller: object, handler: object): QueryRule {
  const anyAllowed = Reflect.getMetadata(ANY_QUERY_PARAMETERS, handler) ?? Reflect.getMetadata(ANY_QUERY_PARAMETERS, controller);
  if (anyAllowed === true) return 'any';
  const args: Record<string, RouteArgument> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, (handler as { name: string }).name) ?? {};
  const names = new Set<string>();
  for (const [key, argument] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== RouteParamtypes.QUERY) continue;
    if (typeof argument.data !== 'string') return 'dto';
    names.add(argument.data);
  }
  return names;
}

function checkedByOwnGuard(controller: object, handler: object): boolean {
  const guards: unknown[] = [...(Reflect.getMetadata(GUARDS_METADATA, controller) ?? []), ...(Reflect.getMetadata(GUARDS_METADATA, handler) ?? [])];
  return guards.some((guard) => (guard as Partial<ChecksQueryParameters> | undefined)?.checksQueryParameters === true);
}
