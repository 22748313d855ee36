import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/**
 * What Swagger UI at `/docs` needs and nothing more: its scripts and styles come from the server itself
 * (the page has inline `<style>` blocks and Swagger UI sets inline styles, hence `'unsafe-inline'` for
 * styles only), it draws data: images, and "Try it out" calls the API on the same origin. No page may
 * frame it.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const isJson = (contentType: unknown) => typeof contentType === 'string' && /^application\/(?:[\w.+-]*\+)?json\b/i.test(contentType);

/**
 * Browser security headers on every answer (Nest's own `useSecurityHeaders`, helmet's set), then per
 * kind of answer:
 * - JSON: `cache-control: no-store` (tokens, messages and profiles must not linger in shared or browser
 *   caches) unless the route set its own, `cross-origin-resource-policy: same-origin` (CORS-mode fetches
 *   from the allowed origins are unaffected: the policy only binds no-cors loads such as `<script src>`);
 * - every other answer of the API — media bytes, their 206 and 304 — `cross-origin-resource-policy:
 *   cross-origin`, so a page on another origin can show them with `<img>`/`<video>` (the token or the
 *   signed URL is what guards them; `same-site` would break frontends on another site, and a page with
 *   `Cross-Origin-Embedder-Policy` can embed only resources that say `cross-origin`);
 * - `/docs`: a Content-Security-Policy that keeps Swagger UI working (`DOCS_CSP`).
 * Everything carries `x-content-type-options: nosniff`, `x-frame-options: DENY` and `referrer-policy:
 * no-referrer`. HSTS is left to the TLS-terminating proxy, which knows whether the whole domain is HTTPS.
 */
export function applySecurityHeaders(app: NestFastifyApplication): void {
  app.useSecurityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: "'none'", frameAncestors: "'none'" } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    // Headers for HTML pages of browsers past (the XSS auditor, IE8's downloads, Flash's policy files, link
    // prefetching, origin-keyed agent clusters): nothing to a JSON API's clients, and a header on every answer.
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const path = request.url.split('?', 1)[0];
    // The CORS plugin answers preflights before the hook that sets it runs.
    if (!reply.hasHeader('x-request-id')) void reply.header('x-request-id', request.id);
    if (isJson(reply.getHeader('content-type'))) {
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    } else if (path.startsWith('/api/') && (request.method === 'GET' || request.method === 'HEAD')) {
      void reply.header('cross-origin-resource-policy', 'cross-origin');
    }
    if (path === '/docs' || path.startsWith('/docs/')) void reply.header('content-security-policy', DOCS_CSP);
    done(null, payload);
  });
}
