/** One route as the HTTP server registered it: method and Fastify URL pattern (`/v1/payments/:id`). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

function patternOf(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

/**
 * Every route the HTTP server registered, recorded from Fastify's `onRoute` hook. It tells
 * which methods a path accepts, so a request with another method answers 405 with `Allow`
 * (RFC 9110 section 15.5.6) instead of 404, and lets a test compare the routes with the
 * OpenAPI document.
 */
export class RouteTable {
  private readonly entries: { route: RegisteredRoute; pattern: RegExp }[] = [];

  /** Records a route; `method` may be a list, as Fastify allows. */
  record(method: string | string[], url: string): void {
    for (const one of Array.isArray(method) ? method : [method]) {
      this.entries.push({ route: { method: one.toUpperCase(), url }, pattern: patternOf(url) });
    }
  }

  /** Every recorded route. */
  routes(): RegisteredRoute[] {
    return this.entries.map((entry) => entry.route);
  }

  /** The methods some route accepts for this path (query string ignored), sorted; empty for an unknown path. */
  allowedMethods(path: string): string[] {
    const bare = path.split('?')[0] ?? path;
    const methods = new Set(this.entries.filter((entry) => entry.pattern.test(bare)).map((entry) => entry.route.method));
    return [...methods].sort();
  }
}
