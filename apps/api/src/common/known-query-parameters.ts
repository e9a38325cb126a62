import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { ValidationError } from '@kassa/domain';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

const ANY_QUERY_PARAMETERS = 'kassa:any-query-parameters';

/**
 * Marks a controller whose routes take query parameters they do not declare: the customer's
 * checkout pages, whose links merchants and campaigns decorate (`?utm_source=...`) and whose
 * assets the page fetches with cache-busting parameters.
 */
export const AcceptsAnyQueryParameters = (): ClassDecorator & MethodDecorator => SetMetadata(ANY_QUERY_PARAMETERS, true);

interface RouteArgument {
  index: number;
  data?: unknown;
}

/**
 * Refuses query parameters a route does not declare with a 400 problem naming each of
 * them, like an unknown body field: `GET /v1/merchant?foo=1` is a mistake to report, not to
 * ignore. Routes that take a whole query DTO (`@Query() query: ListPaymentsQuery`) are left
 * to the validation pipe, which refuses unknown fields of the DTO; routes with named
 * parameters (`@Query('embed')`) accept those names only; every other route accepts none.
 * Runs after the guards, so an unauthenticated request still answers 401 first.
 *
 * @throws ValidationError (400) listing every undeclared parameter
 */
@Injectable()
export class KnownQueryParametersInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && !this.reflector.getAllAndOverride<boolean>(ANY_QUERY_PARAMETERS, [context.getHandler(), context.getClass()])) {
      const declared = declaredQueryParameters(context);
      if (declared !== 'dto') {
        const query = context.switchToHttp().getRequest<FastifyRequest>().query;
        const unknown = Object.keys(typeof query === 'object' && query !== null ? query : {}).filter((name) => !declared.has(name));
        if (unknown.length > 0) {
          throw new ValidationError(unknown.map((field) => ({ field, message: 'is not a query parameter of this route' })));
        }
      }
    }
    return next.handle();
  }
}

/** The query parameter names the handler declares, or `dto` when it takes the whole query. */
function declaredQueryParameters(context: ExecutionContext): Set<string> | 'dto' {
  const args: Record<string, RouteArgument> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {};
  const names = new Set<string>();
  for (const [key, argument] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== RouteParamtypes.QUERY) continue;
    if (typeof argument.data !== 'string') return 'dto';
    names.add(argument.data);
  }
  return names;
}
