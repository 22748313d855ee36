import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { PreviewFetcher } from '../../src/link-previews/preview-fetcher.js';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given } from '../support/given.js';
import { useTestApp } from '../support/use-test-app.js';

/** Stands in for the public internet: the only address the test app may fetch from (LINK_PREVIEW_ALLOW_ADDRESSES). */
const PUBLIC = '127.0.0.5';

const OG_PAGE = `<!doctype html><html><head>
<meta property="og:title" content="A &amp; B: the page">
<meta property="og:description" content='What it is about'>
<meta property="og:image" content="/cover.png">
<meta property="og:site_name" content="Example">
<title>Fallback title</title></head><body>ignored <meta property="og:title" content="not this"></body></html>`;

interface Site {
  server: Server;
  base: string;
  hits: string[];
}

async function site(host: string, routes: (base: string) => Record<string, (response: import('node:http').ServerResponse) => void>): Promise<Site> {
  const hits: string[] = [];
  let table: ReturnType<typeof routes> = {};
  const server = createServer((request, response) => {
    hits.push(request.url!);
    const route = table[request.url!];
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    route(response);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  table = routes(base);
  return { server, base, hits };
}

const html = (body: string) => (response: import('node:http').ServerResponse) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(body);
};

describe('link previews', () => {
  const app = useTestApp({
    env: { LINK_PREVIEW_ALLOW_ADDRESSES: PUBLIC, LINK_PREVIEW_TIMEOUT_MS: '1500', LINK_PREVIEW_MAX_BYTES: '16384', JOBS_POLL_INTERVAL_MS: '500' },
  });
  let given: Given;
  let chat: ChatGiven;
  let fetcher: PreviewFetcher;
  let outside: Site;
  let inside: Site;
  const hanging: import('node:http').ServerResponse[] = [];

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    fetcher = app.running.app.get(PreviewFetcher);
    // What the server must never reach: the deployment's own loopback.
    inside = await site('127.0.0.1', () => ({ '/secret': html('<title>internal admin</title>') }));
    outside = await site(PUBLIC, (base) => ({
      '/og': html(OG_PAGE),
      '/plain': html('<html><head><title>Just a title</title></head></html>'),
      '/cached': html('<title>Cached once</title>'),
      '/to-inside': (response) => response.writeHead(302, { location: `${inside.base}/secret` }).end(),
      '/to-og': (response) => response.writeHead(301, { location: `${base}/og` }).end(),
      '/huge': html(`<html><head>${'<meta name="x" content="padding">'.repeat(2000)}<title>Too far</title></head></html>`),
      '/image': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end('png'),
      '/hang': (response) => void hanging.push(response),
    }));
  });

  afterAll(async () => {
    fetcher.lookup = (await import('node:dns')).lookup as unknown as PreviewFetcher['lookup'];
    for (const response of hanging) response.destroy();
    for (const { server } of [outside, inside]) {
      server.closeAllConnections();
      server.close();
    }
  });

  const inject = (url: string, user: { auth: Record<string, string> }) => app.running.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user.auth });

  async function sent(content: string) {
    const [owner, member] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(owner, [member]);
    const since = (await inject('/sync', member)).json().cursor as string;
    const message = await chat.message(owner, group, content);
    return { owner, member, group, message, since };
  }

  const previewOf = async (user: { auth: Record<string, string> }, conversationId: string, messageId: string) =>
    ((await inject(`/conversations/${conversationId}/messages`, user)).json().items as { id: string; preview: unknown }[]).find(
      (item) => item.id === messageId,
    )!.preview;

  /** The cache row of a URL once the job has run: `{ preview }`. */
  const cached = (url: string) =>
    eventually(
      async () => {
        const [row] = await app.running.app.get(DataSource).query(`SELECT preview FROM link_preview WHERE url = $1`, [url]);
        return row as { preview: unknown } | undefined;
      },
      { timeoutMs: 20_000, what: `${url} fetched` },
    );

  it('attaches the Open Graph preview after the send with message.updated; the send itself never waits', async () => {
    const { member, group, message, since } = await sent(`look at this: ${outside.base}/og.`);
    expect(message).toMatchObject({ preview: null });
    const preview = await eventually(async () => (await previewOf(member, group.id, message.id)) ?? undefined, { timeoutMs: 20_000, what: 'preview' });
    expect(preview).toEqual({
      url: `${outside.base}/og`,
      title: 'A & B: the page',
      description: 'What it is about',
      imageUrl: `${outside.base}/cover.png`,
      siteName: 'Example',
    });
    const events = (await inject(`/sync?since=${since}`, member)).json().events as { type: string; data: { id: string; preview: unknown } }[];
    const updated = events.filter((event) => event.type === 'message.updated' && event.data.id === message.id);
    expect(updated).toHaveLength(1);
    expect(updated[0].data.preview).toEqual(preview);
    // The log forgets: the earlier message.created shows the preview too.
    expect(events.find((event) => event.type === 'message.created' && event.data.id === message.id)?.data.preview).toEqual(preview);
  });

  it('follows a redirect to a public page, and fetches a URL once for many messages (cached)', async () => {
    const first = await sent(`${outside.base}/to-og`);
    await eventually(async () => (await previewOf(first.member, first.group.id, first.message.id)) ?? undefined, { timeoutMs: 20_000, what: 'preview' });
    const second = await sent(`${outside.base}/cached`);
    await eventually(async () => (await previewOf(second.member, second.group.id, second.message.id)) ?? undefined, { timeoutMs: 20_000, what: 'preview' });
    const third = await sent(`again ${outside.base}/cached`);
    const preview = await eventually(async () => (await previewOf(third.member, third.group.id, third.message.id)) ?? undefined, {
      timeoutMs: 20_000,
      what: 'preview',
    });
    expect(preview).toMatchObject({ title: 'Cached once' });
    expect(outside.hits.filter((hit) => hit === '/cached')).toHaveLength(1);
  });

  it('refuses a redirect to 127.0.0.1: nothing reaches the inside, no preview', async () => {
    const { member, group, message } = await sent(`${outside.base}/to-inside`);
    expect(await cached(`${outside.base}/to-inside`)).toEqual({ preview: null });
    expect(inside.hits).toEqual([]);
    expect(await previewOf(member, group.id, message.id)).toBeNull();
    await expect(fetcher.fetch(`${outside.base}/to-inside`)).rejects.toThrow(/not allowed/);
  });

  it('refuses a hostname that resolves to a private address (the check is after DNS resolution)', async () => {
    const port = new URL(outside.base).port;
    const resolveTo = (address: string, family: number): PreviewFetcher['lookup'] =>
      ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
        options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)) as unknown as PreviewFetcher['lookup'];
    try {
      fetcher.lookup = resolveTo(PUBLIC, 4);
      await expect(fetcher.fetch(`http://news.example.test:${port}/plain`)).resolves.toMatchObject({ title: 'Just a title' });
      fetcher.lookup = resolveTo('127.0.0.1', 4);
      await expect(fetcher.fetch(`http://news.example.test:${new URL(inside.base).port}/secret`)).rejects.toThrow(/not allowed/);
      fetcher.lookup = resolveTo('10.1.2.3', 4);
      await expect(fetcher.fetch(`http://intranet.example.test/`)).rejects.toThrow(/not allowed/);
    } finally {
      fetcher.lookup = (await import('node:dns')).lookup as unknown as PreviewFetcher['lookup'];
    }
    expect(inside.hits).toEqual([]);
  });

  it.each([
    ['10/8', 'http://10.0.0.1/'],
    ['172.16/12', 'http://172.16.5.4/'],
    ['192.168/16', 'http://192.168.1.1/'],
    ['metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
    ['127/8', 'http://127.0.0.1/'],
    ['127/8 (not 127.0.0.1)', 'http://127.1.2.3/'],
    ['::1', 'http://[::1]/'],
    ['fc00::/7', 'http://[fd12:3456::1]/'],
    ['100.64/10 (CGNAT)', 'http://100.64.0.1/'],
    ['0.0.0.0', 'http://0.0.0.0/'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
    ['link-local IPv6', 'http://[fe80::1]/'],
  ])('refuses %s (%s) before connecting', async (_class, url) => {
    await expect(fetcher.fetch(url)).rejects.toThrow(/not allowed/);
  });

  it('caps size and time, and wants HTML', async () => {
    await expect(fetcher.fetch(`${outside.base}/huge`)).resolves.toBeNull();
    await expect(fetcher.fetch(`${outside.base}/image`)).rejects.toThrow(/not HTML/);
    const started = Date.now();
    await expect(fetcher.fetch(`${outside.base}/hang`)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives no preview to a message without a link, or with a non-http one', async () => {
    const { member, group, message } = await sent('no link here, just ftp://example.test/file');
    expect((message as { preview?: unknown }).preview).toBeNull();
    expect(await previewOf(member, group.id, message.id)).toBeNull();
  });
});
