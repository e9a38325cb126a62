import SwaggerParser from '@apidevtools/swagger-parser';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIV3 } from 'openapi-types';

import { ApiModule, createHttpApplication, registeredRoutes } from '@kassa/api';
import { loadConfig } from '@kassa/config';
import { findFreePort } from '@kassa/persistence';
import { createTestDatabase, type TestDatabase } from '@kassa/testing';

/**
 * Routes served to customers' browsers rather than to merchants' code: HTML, images and
 * static files of the hosted checkout. They are not part of the API contract.
 */
const OUTSIDE_THE_CONTRACT = new Set([
  'GET /pay/:id',
  'GET /pay/:id/qr.svg',
  'GET /pay/assets/:file',
  'GET /refunds/claim/:token',
  'GET /refunds/approve/:token',
  'GET /refunds/assets/refund.js',
  'GET /l/:id',
  'GET /l/:id/qr.svg',
]);

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Operation = OpenAPIV3.OperationObject & { method: string; path: string };

/** The OpenAPI document at /docs (issue 5, item 7): valid, complete, with every problem response. */
describe('OpenAPI document', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let document: OpenAPIV3.Document;
  let operations: Operation[];

  beforeAll(async () => {
    database = await createTestDatabase();
    const base = loadConfig({});
    const config = {
      ...base,
      database: { url: database.url, poolSize: 2 },
      api: { host: '127.0.0.1', port: await findFreePort(), publicUrl: undefined },
      chains: [],
      logLevel: 'error' as const,
    };
    app = await createHttpApplication(ApiModule.forRoot(config), config);
    await app.listen(config.api.port, '127.0.0.1');
    document = (await (await fetch(`http://127.0.0.1:${config.api.port}/docs/json`)).json()) as OpenAPIV3.Document;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item?.[method]).map((method) => ({ ...item![method]!, method: method.toUpperCase(), path })),
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const problemStatuses = (operation: Operation): number[] =>
    Object.entries(operation.responses)
      .filter(([, response]) => 'content' in response && response.content?.['application/problem+json'])
      .map(([status]) => Number(status));

  it('is a valid OpenAPI 3 document', async () => {
    // The validator dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as OpenAPIV3.Document)).resolves.toBeDefined();
    expect(document.openapi).toMatch(/^3\./);
  });

  it('documents every route the server answers (but /docs itself and the checkout page and its files)', () => {
    const documented = new Set(operations.map((operation) => `${operation.method} ${operation.path}`));
    const missing = registeredRoutes(app)
      // The dashboard's pages are HTML for people, outside the API's contract (docs/dashboard.md).
      .filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && !route.url.startsWith('/docs') && !route.url.startsWith('/dashboard'))
      .map((route) => `${route.method} ${route.url}`)
      .filter((route) => !OUTSIDE_THE_CONTRACT.has(route))
      .filter((route) => !documented.has(route.replace(/:(\w+)/g, '{$1}')));
    expect(missing).toEqual([]);
    expect(registeredRoutes(app).length).toBeGreaterThanOrEqual(operations.length);
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it('describes every operation of the merchant API with its answer and the problems it can answer', () => {
    const merchantApi = operations.filter((operation) => operation.path.startsWith('/v1/'));
    const gaps = merchantApi.flatMap((operation) => {
      const name = `${operation.method} ${operation.path}`;
      const problems = problemStatuses(operation);
      const expected = [401, 403, 429];
      if (operation.path.includes('{')) expected.push(404);
      if (operation.requestBody) expected.push(400, 413, 415);
      if ((operation.parameters ?? []).some((parameter) => 'in' in parameter && parameter.in === 'query')) expected.push(400);
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      return [
        ...expected.filter((status) => !problems.includes(status)).map((status) => `${name}: no ${status} problem response`),
        ...(operation.summary ? [] : [`${name}: no summary`]),
        ...(success.length === 1 ? [] : [`${name}: ${success.length} success responses`]),
        ...success
          .filter(([status, response]) => status !== '204' && !('content' in response && (response.content?.['application/json']?.schema ?? response.content?.['text/csv']?.schema)))
          .map(([status]) => `${name}: ${status} has no JSON schema`),
      ];
    });
    expect(gaps).toEqual([]);
    expect(merchantApi.length).toBeGreaterThanOrEqual(17);
  });

  it('describes the problem body as RFC 9457 problem details with the fields at fault', () => {
    const problem = document.components?.schemas?.ProblemResponse as OpenAPIV3.SchemaObject;
    expect(Object.keys(problem.properties ?? {})).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'instance', 'code', 'errors']));
    const createPayment = operations.find((operation) => operation.method === 'POST' && operation.path === '/v1/payments')!;
    expect((createPayment.responses['429'] as OpenAPIV3.ResponseObject).headers?.['Retry-After']).toBeDefined();
  });
});
