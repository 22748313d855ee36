import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * Connections that hold the server hostage: bodies over the limit (answered so that an ordinary client
 * reads the 413 instead of a connection reset), and slowloris — headers or bodies sent a byte at a time,
 * which used to keep a connection (and a file descriptor) forever.
 */

const FIVE_MB = 5 * 1024 * 1024;

interface RawExchange {
  socket: Socket;
  /** Everything the server sent, once it closed the connection or `timeoutMs` passed. */
  answer: Promise<string>;
}

function rawConnection(url: string, timeoutMs = 30_000): RawExchange {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  const answer = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(Buffer.concat(chunks).toString('latin1')), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
  return { socket, answer };
}

/** The JSON body of the first HTTP answer in `text`. */
function envelopeOf(text: string): { statusCode: number; code: string } {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const start = body.indexOf('{');
  return JSON.parse(body.slice(start, body.indexOf('}', start) + 1));
}

describe('JSON bodies over the limit', () => {
  let running: TestApp;

  beforeAll(async () => {
    running = await startTestApp({}, { listen: true });
  });

  afterAll(async () => {
    await running.close();
  });

  const url = () => `${running.url}/api/v1/auth/login`;

  it('are answered 413 in the envelope that fetch reads, with a content-length of 5 MB', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"email":"${'x'.repeat(FIVE_MB)}"}` });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
    }
  });

  it('are answered 413 to fetch when chunked (no content-length), after the body was read', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    for (let attempt = 0; attempt < 3; attempt++) {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= FIVE_MB) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  it('are answered 413 to a raw client that writes all 5 MB before it reads, and the connection stays usable', async () => {
    const { socket, answer } = rawConnection(running.url, 15_000);
    await once(socket, 'connect');
    socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${FIVE_MB}\r\n\r\n`);
    const megabyte = Buffer.alloc(1024 * 1024, 'x');
    for (let n = 0; n < 5; n++) if (!socket.write(megabyte)) await once(socket, 'drain');
    // The same connection then carries an ordinary request.
    socket.write('GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
    const text = await answer;
    expect(text.startsWith('HTTP/1.1 413')).toBe(true);
    expect(envelopeOf(text)).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(text).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"status":"ok"/);
  });
});

describe('slowloris', () => {
  let running: TestApp;
  const CONNECTIONS = 40;

  beforeAll(async () => {
    running = await startTestApp({ HTTP_HEADERS_TIMEOUT: '2s', HTTP_MIN_BODY_RATE: '1024/2s', AUTH_THROTTLE_LIMIT: '100000' }, { listen: true });
  });

  afterAll(async () => {
    await running.close();
  });

  /** Sends `text` a byte every `everyMs` until the server closes the connection. */
  function trickle(socket: Socket, text: string, everyMs: number): void {
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || !socket.writable || at >= text.length) return clearInterval(timer);
      socket.write(text[at++]);
    }, everyMs);
    socket.once('close', () => clearInterval(timer));
  }

  it('closes connections that send their headers a byte at a time, and keeps answering others meanwhile', async () => {
    const attackers = Array.from({ length: CONNECTIONS }, () => rawConnection(running.url, 40_000));
    await Promise.all(attackers.map(({ socket }) => once(socket, 'connect')));
    for (const { socket } of attackers) trickle(socket, `GET /health/live HTTP/1.1\r\nHost: test\r\nX-Padding: ${'p'.repeat(500)}\r\n\r\n`, 200);
    const live = await fetch(`${running.url}/health/live`);
    expect(live.status).toBe(200);
    const answers = await Promise.all(attackers.map(({ answer }) => answer));
    // Every one was closed by the server (a 408), none got to complete its request.
    expect(attackers.every(({ socket }) => socket.destroyed)).toBe(true);
    expect(answers.every((text) => text.startsWith('HTTP/1.1 408'))).toBe(true);
  });

  it('answers 408 REQUEST_TIMEOUT to bodies sent a byte at a time and closes them, and keeps answering others meanwhile', async () => {
    const attackers = Array.from({ length: CONNECTIONS }, () => rawConnection(running.url, 40_000));
    await Promise.all(attackers.map(({ socket }) => once(socket, 'connect')));
    const body = JSON.stringify({ email: 'slow@example.test', password: 'x'.repeat(900) });
    for (const { socket } of attackers) {
      socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      trickle(socket, body, 200);
    }
    const login = await fetch(`${running.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.test', password: 'not the password' }),
    });
    expect(login.status).toBe(401);
    const answers = await Promise.all(attackers.map(({ answer }) => answer));
    expect(attackers.every(({ socket }) => socket.destroyed)).toBe(true);
    for (const text of answers) {
      expect(text.startsWith('HTTP/1.1 408')).toBe(true);
      expect(envelopeOf(text)).toMatchObject({ statusCode: 408, code: 'REQUEST_TIMEOUT' });
    }
  });

  it('lets a body through that arrives slowly but above the minimum rate', async () => {
    const { socket, answer } = rawConnection(running.url, 30_000);
    await once(socket, 'connect');
    const body = JSON.stringify({ email: 'steady@example.test', password: 'x'.repeat(3000) });
    socket.write(
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    // 600 bytes every 500 ms: 2,400 bytes per 2 s window, above 1,024.
    for (let at = 0; at < body.length; at += 600) {
      socket.write(body.slice(at, at + 600));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const text = await answer;
    // The password is too long for the login rules: a 400 means the body arrived and was judged.
    expect(text.startsWith('HTTP/1.1 400')).toBe(true);
  });
});
