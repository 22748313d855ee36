import { useTestApp } from '../support/use-test-app.js';

interface Operation {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

describe('OpenAPI document of the accounts endpoints', () => {
  const app = useTestApp();
  let paths: Record<string, Record<string, Operation>>;

  beforeAll(async () => {
    paths = (await app.running.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json().paths;
  });

  const routes = [
    ['post', '/api/v1/auth/signup', 201, false],
    ['post', '/api/v1/auth/login', 200, false],
    ['post', '/api/v1/auth/refresh', 200, false],
    ['post', '/api/v1/auth/logout', 204, true],
    ['get', '/api/v1/auth/sessions', 200, true],
    ['delete', '/api/v1/auth/sessions/{id}', 204, true],
    ['post', '/api/v1/auth/password', 204, true],
    ['get', '/api/v1/users/me', 200, true],
    ['patch', '/api/v1/users/me', 200, true],
    ['get', '/api/v1/users', 200, true],
    ['get', '/api/v1/users/{id}', 200, true],
    ['put', '/api/v1/users/{id}/block', 204, true],
    ['delete', '/api/v1/users/{id}/block', 204, true],
    ['get', '/api/v1/admin/users', 200, true],
    ['patch', '/api/v1/admin/users/{id}', 200, true],
    ['get', '/api/v1/admin/stats', 200, true],
  ] as const;

  it.each(routes)('documents %s %s with its answer, auth and errors in the envelope', (method, path, status, authenticated) => {
    const operation = paths[path]?.[method];
    expect(operation).toBeDefined();
    const success = operation.responses[String(status)];
    expect(success).toBeDefined();
    if (status !== 204) expect(success.content?.['application/json'].schema).toBeDefined();
    const errors = Object.entries(operation.responses).filter(([code]) => Number(code) >= 400);
    if (authenticated) {
      expect(operation.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
      expect(operation.responses['401']).toBeDefined();
    }
    if (['post', 'patch'].includes(method) && path !== '/api/v1/auth/logout') {
      expect(operation.requestBody?.content['application/json'].schema).toBeDefined();
      expect(operation.responses['400']).toBeDefined();
    }
    for (const [, response] of errors) {
      expect(response.content?.['application/json'].schema.$ref).toBe('#/components/schemas/ErrorEnvelopeDto');
    }
  });

  it('documents 403 on the admin routes', () => {
    for (const [method, path] of routes.filter(([, path]) => path.includes('/admin/'))) {
      expect(paths[path][method].responses['403']).toBeDefined();
    }
  });
});
