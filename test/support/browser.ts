import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * The browser harness: real Chromium (Debian's package, driven by playwright-core, no browser download)
 * loading a page from an origin of its own, so everything the page does to the API is cross-origin, as
 * for a web frontend on another host. A suite:
 *
 *   const browser = await launchBrowser();
 *   const site = await serveSite();                                  // http://127.0.0.1:<port>
 *   const running = await startTestApp({ CORS_ORIGINS: site.origin }, { listen: true });
 *   const page = await browser.open(site);
 *   const answer = await page.evaluate(async (api) => (await fetch(`${api}/health/live`)).status, running.url);
 *
 * The page has socket.io-client as the global `io` (its browser bundle), and `site.add(path, html)` adds
 * more pages (a form with `<input type=file>`, an `<img>`). `callApi` (below) runs inside the page.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags of a quiet, reproducible headless run: no sandbox (root in CI), no GPU, no background traffic. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

/** A static site on its own port of 127.0.0.1: another origin than the API's. */
export interface Site {
  origin: string;
  /** Serve `body` at `path` (HTML unless `type` says otherwise). */
  add(path: string, body: string | Buffer, type?: string): void;
  close(): Promise<void>;
}

const SOCKET_IO_CLIENT = readFileSync(new URL('../../node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url));

/** The default page: nothing but socket.io-client. */
const BLANK_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>frontend</title><script src="/socket.io.min.js"></script></head><body></body></html>';

export async function serveSite(): Promise<Site> {
  const files = new Map<string, { body: string | Buffer; type: string }>([
    ['/', { body: BLANK_PAGE, type: 'text/html; charset=utf-8' }],
    ['/socket.io.min.js', { body: SOCKET_IO_CLIENT, type: 'text/javascript; charset=utf-8' }],
  ]);
  const server: Server = createServer((request: IncomingMessage, response) => {
    const file = files.get((request.url ?? '/').split('?')[0]);
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    add: (path, body, type = 'text/html; charset=utf-8') => void files.set(path, { body, type }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TestBrowser {
  /** A new tab showing `path` of `site`. */
  open(site: Site, path?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (its own user-data-dir, removed at close). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'chat-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  return {
    async open(site, path = '/') {
      const page = await context.newPage();
      await page.goto(`${site.origin}${path}`);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What `callApi` gives back: only what a page can see of a cross-origin answer. */
export interface PageResponse {
  status: number;
  /** The response headers JavaScript can read (the safelisted ones and those CORS exposes). */
  headers: Record<string, string>;
  body: unknown;
}

export interface PageRequest {
  api: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  /** Send `content-type: application/json` even without a body, as many fetch wrappers do. */
  jsonHeaderAlways?: boolean;
  /** More request headers (`range`, a `content-type` of another kind with a raw string `body`). */
  headers?: Record<string, string>;
  /** Send `body` as it is (a string), not as JSON. */
  raw?: boolean;
}

/**
 * Runs inside the page (pass it to `page.evaluate`): one `fetch` to the API, as a frontend's wrapper
 * would make it. A network-level refusal (CORS) comes back as `{ status: 0, body: 'TypeError: …' }`.
 */
export async function callApi(request: PageRequest): Promise<PageResponse> {
  const headers: Record<string, string> = {};
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  if (request.body !== undefined || request.jsonHeaderAlways) headers['content-type'] = 'application/json';
  Object.assign(headers, request.headers);
  const body = request.body === undefined ? undefined : request.raw ? String(request.body) : JSON.stringify(request.body);
  try {
    const response = await fetch(`${request.api}${request.path}`, { method: request.method, headers, body });
    const readable: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      readable[name] = value;
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: readable, body: parsed };
  } catch (error) {
    return { status: 0, headers: {}, body: String(error) };
  }
}

/** `callApi` from Node: evaluates it in `page`. */
export function apiFrom(page: Page, api: string) {
  return (method: string, path: string, options: Omit<PageRequest, 'api' | 'method' | 'path'> = {}) =>
    page.evaluate(callApi, { api, method, path: `/api/v1${path}`, ...options });
}

/**
 * The requests the API server received (method, path, preflight method), read off its Node HTTP server
 * so preflights are seen too — the browser itself doesn't report them to playwright.
 */
export function recordRequests(server: Server): Array<{ method: string; url: string; preflightFor?: string }> {
  const seen: Array<{ method: string; url: string; preflightFor?: string }> = [];
  server.on('request', (request: IncomingMessage) => {
    const preflightFor = request.headers['access-control-request-method'];
    seen.push({ method: request.method ?? '', url: request.url ?? '', ...(typeof preflightFor === 'string' ? { preflightFor } : {}) });
  });
  return seen;
}
