import { expectResponseMatchesOpenApi, loadOpenApi, type OpenApiDocument, type ResponseLike } from '../support/openapi-responses.js';
import { invariantProblems } from '../support/response-invariants.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TOKEN = 'scraper-token-0123456789abcdef';

describe('metrics and docs in production posture', () => {
  let document: OpenApiDocument;

  beforeAll(async () => {
    const app = await startTestApp();
    try {
      document = await loadOpenApi(app);
    } finally {
      await app.close();
    }
  });

  async function getMetrics(app: TestApp, authorization?: string): Promise<ResponseLike> {
    const response = await app.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    expect(invariantProblems(response)).toEqual([]);
    expectResponseMatchesOpenApi(document, 'GET', '/metrics', response);
    return response;
  }

  describe('with METRICS_TOKEN', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ METRICS_TOKEN: TOKEN });
    });

    afterAll(async () => {
      await app.close();
    });

    it('answers 401 without the token, with another token, or with it outside a bearer header', async () => {
      for (const authorization of [undefined, 'Bearer not-the-token-0123456789', `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN}x`]) {
        const response = await getMetrics(app, authorization);
        expect(response.statusCode).toBe(401);
        expect(JSON.parse(response.body)).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(response.body).not.toContain('http_request_duration_seconds');
      }
    });

    it('serves the metrics to the bearer of the token', async () => {
      const response = await getMetrics(app, `Bearer ${TOKEN}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
    });
  });

  describe('with METRICS_PORT', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_TOKEN: TOKEN });
    });

    afterAll(async () => {
      await app.close();
    });

    it('answers 404 for /metrics on the app port', async () => {
      const response = await getMetrics(app, `Bearer ${TOKEN}`);
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('serves /metrics on its own port, to the bearer of the token, and nothing else there', async () => {
      const url = app.metricsServer!.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await scraped.text();
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');

      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      for (const path of ['/', '/health/ready', '/api/v1/users/me', '/docs', '/metrics/../docs']) {
        expect({ path, status: (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status }).toEqual({ path, status: 404 });
      }
      expect((await fetch(`${url}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    });

    it('stops the metrics server with the app', async () => {
      const other = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
      const url = other.metricsServer!.url;
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      await other.close();
      await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    });
  });

  describe('with DOCS_ENABLED=false', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ DOCS_ENABLED: 'false' });
    });

    afterAll(async () => {
      await app.close();
    });

    it('serves no Swagger UI and no OpenAPI or AsyncAPI document', async () => {
      for (const url of ['/docs', '/docs/', '/docs/openapi.json', '/docs/openapi.yaml', '/docs/asyncapi.json', '/docs/swagger-ui-init.js']) {
        const response = await app.app.inject({ method: 'GET', url });
        expect({ url, status: response.statusCode }).toEqual({ url, status: 404 });
        expect(invariantProblems(response)).toEqual([]);
      }
    });

    it('serves the API as usual', async () => {
      expect((await app.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await app.app.inject({ method: 'GET', url: '/api/v1/users/me' })).statusCode).toBe(401);
    });
  });
});
