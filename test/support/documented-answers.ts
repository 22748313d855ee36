import type { FastifyInstance } from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HttpMethod, openApiResponses, type OpenApiDocument } from './openapi-responses.js';

interface Seen {
  method: HttpMethod;
  route: string;
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The JSON or text body; an empty string for a streamed one (media), whose type alone is checked. */
  body: string;
  streamed: boolean;
}

const CHECKED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_REPORTED = 20;

/**
 * Every answer the app gives while a suite runs — to `app.inject`, fetch, socket.io-client's polling
 * or a browser alike — recorded by a Fastify hook and checked against the app's own OpenAPI document
 * when the suite closes the app, with the strict validator of `openapi-responses.ts` (documented status,
 * documented media type, the body's schema as JSON Schema 2020-12, closed objects, error codes from the
 * enum). Requests that match no documented route (a 404 of the router, /docs, preflights) are skipped.
 */
export function recordAnswers(app: NestFastifyApplication) {
  const seen: Seen[] = [];
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const template = request.routeOptions.url;
    if (template && CHECKED_METHODS.has(request.method) && !template.startsWith('/docs')) {
      const streamed = typeof payload !== 'string' && !Buffer.isBuffer(payload) && payload !== null && payload !== undefined;
      seen.push({
        method: request.method as HttpMethod,
        route: template.replace(/:(\w+)/g, '{$1}'),
        statusCode: reply.statusCode,
        headers: { 'content-type': reply.getHeader('content-type') as string | undefined },
        body:
          typeof payload === 'string'
            ? payload
            : Buffer.isBuffer(payload) && /json/.test(String(reply.getHeader('content-type')))
              ? payload.toString('utf8')
              : '',
        streamed,
      });
    }
    done(null, payload);
  });
  return {
    /** What contradicts the document, one line per (operation, status, problem). */
    problems(document: OpenApiDocument): string[] {
      const checker = openApiResponses(document);
      const found = new Set<string>();
      for (const answer of seen) {
        for (const problem of checker.problems(answer.method, answer.route, { statusCode: answer.statusCode, headers: answer.headers, body: answer.body }))
          found.add(problem);
      }
      seen.length = 0;
      return [...found];
    },
  };
}

export function reportProblems(problems: string[]): void {
  if (!problems.length) return;
  const shown = problems.slice(0, MAX_REPORTED).join('\n');
  const more = problems.length > MAX_REPORTED ? `\n… and ${problems.length - MAX_REPORTED} more` : '';
  throw new Error(`Answers of this suite contradict the OpenAPI document (test/support/documented-answers.ts):\n${shown}${more}`);
}
