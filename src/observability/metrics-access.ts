import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { register } from 'prom-client';
import type { AppConfig } from '../config/app-config.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether an `Authorization` header carries METRICS_TOKEN (compared in constant time). */
export function carriesMetricsToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return Boolean(match) && timingSafeEqual(digest(match![1]), digest(token));
}

/** A metrics server of its own (METRICS_PORT): `GET /metrics` and nothing else, for a network operators keep apart. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(config: AppConfig['metrics'] & { port: number }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const answer = (status: number, body: string, type = 'text/plain; charset=utf-8') => response.writeHead(status, { 'content-type': type }).end(body);
    const path = new URL(request.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') return answer(404, 'Not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'Method not allowed\n');
    if (config.token && !carriesMetricsToken(request.headers.authorization, config.token)) {
      response.setHeader('www-authenticate', 'Bearer');
      return answer(401, 'Unauthorized\n');
    }
    register.metrics().then(
      (text) => answer(200, text, register.contentType),
      () => answer(500, 'Internal error\n'),
    );
  });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address() as { port: number };
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
