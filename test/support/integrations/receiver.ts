import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
  at: number;
}

/** How the receiver answers one request: a status (after `delayMs`), or `hang` (never answers). */
export type Answer = { status: number; delayMs?: number; body?: string } | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 for webhook and push-relay tests: records every request (raw body
 * included, for signature checks) and answers as `answer` says — fail, hang, answer slowly, recover.
 * `down()` closes the port (connections refused) and `up()` opens the same port again.
 */
export class Receiver {
  readonly requests: Received[] = [];
  answer: (request: Received, index: number) => Answer = () => ({ status: 200 });
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async up(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const received: Received = { headers: request.headers, body, json, at: Date.now() };
        const index = this.requests.push(received) - 1;
        const answer = this.answer(received, index);
        if (answer === 'hang') {
          this.hanging.add(response);
          return;
        }
        setTimeout(() => {
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(answer.body ?? '{}');
        }, answer.delayMs ?? 0);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts every open connection: the next attempts are refused. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const response of this.hanging) response.destroy();
    this.hanging.clear();
    for (const socket of this.sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  }

  /** The parsed bodies received so far. */
  bodies(): any[] {
    return this.requests.map((request) => request.json);
  }
}
