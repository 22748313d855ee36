import { useTestApp } from '../support/use-test-app.js';

describe('service endpoints', () => {
  const app = useTestApp();

  const get = (url: string, headers: Record<string, string> = {}) => app.running.app.inject({ method: 'GET', url, headers });

  it('answers live while the process runs', async () => {
    const response = await get('/health/live');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers ready when the database (and Redis, when configured) answer', async () => {
    const response = await get('/health/ready');
    expect(response.statusCode).toBe(200);
    expect(response.json().checks.database).toBe('up');
    if (process.env.REDIS_URL) expect(response.json().checks.redis).toBe('up');
    expect(response.json().checks.media).toBe('up');
  });

  it('serves Prometheus metrics with the HTTP histogram labelled by route template', async () => {
    await get('/health/live');
    const response = await get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('process_cpu_user_seconds_total');
    expect(response.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*method="GET"[^}]*route="\/health\/live"[^}]*status_code="200"/);
  });

  it('labels unknown routes as unmatched rather than by their raw URL', async () => {
    await get('/api/v1/no-such-thing/123');
    const metrics = (await get('/metrics')).body;
    expect(metrics).not.toContain('no-such-thing');
    expect(metrics).toMatch(/route="unmatched",status_code="404"/);
  });

  it('serves Swagger UI and a valid OpenAPI 3 document', async () => {
    const ui = await get('/docs');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
    const document = (await get('/docs/openapi.json')).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/health/ready']).toBeDefined();
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers an unknown route with the 404 envelope', async () => {
    const response = await get('/api/v1/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: expect.any(String),
      requestId: response.headers['x-request-id'],
    });
  });

  it('answers malformed JSON with a 400 envelope and no internals', async () => {
    const response = await app.running.app.inject({
      method: 'POST',
      url: '/api/v1/nothing-here',
      headers: { 'content-type': 'application/json' },
      payload: '{"broken":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(response.body).not.toMatch(/at .*\.js:\d+/);
  });

  it('generates a request id and echoes one the client sent', async () => {
    const generated = await get('/health/live');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await get('/health/live', { 'x-request-id': 'trace-abc.123' });
    expect(echoed.headers['x-request-id']).toBe('trace-abc.123');
  });

  it('replaces a request id that is not a sane token', async () => {
    const response = await get('/api/v1/missing', { 'x-request-id': 'bad id <script>' });
    expect(response.headers['x-request-id']).not.toBe('bad id <script>');
    expect(response.json().requestId).toBe(response.headers['x-request-id']);
  });
});
