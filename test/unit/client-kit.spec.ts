import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { ChatError, InProcessLock, isChatError, MemoryStorage, Outbox, type OutboxItem, TokenStore, type Tokens, tokensOf } from '@chat-backend/client';

/* The client kit's parts without a server: the lock, the token store's one-refresh rule, the outbox. */

const pair = (n: number, life = 60_000): Tokens => ({
  accessToken: `a${n}`,
  refreshToken: `r${n}`,
  issuedAt: Date.now(),
  expiresAt: Date.now() + life,
  userId: 'u',
});

describe('InProcessLock', () => {
  it('runs tasks of one name one after the other, and a failing task does not block the next', async () => {
    const lock = new InProcessLock();
    const order: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`${name} out`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([lock.run('x', task('a', true)), lock.run('x', task('b')), lock.run('x', task('c'))]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    const waited: boolean[] = [];
    await Promise.all([lock.run('y', async (held) => waited.push(held)), lock.run('y', async (held) => waited.push(held))]);
    expect(waited).toEqual([false, true]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});

describe('tokensOf', () => {
  it("counts a second off the expiry: the server's exp is in whole seconds from the second it signed", () => {
    const before = Date.now();
    const tokens = tokensOf({ user: { id: 'u' }, accessToken: 'a', refreshToken: 'r', accessTokenExpiresIn: 900 });
    expect(tokens.expiresAt - tokens.issuedAt).toBe(899_000);
    expect(tokens.issuedAt).toBeGreaterThanOrEqual(before);
    expect(tokens.userId).toBe('u');
  });
});

describe('TokenStore', () => {
  function store(storage = new MemoryStorage(), lock = new InProcessLock()) {
    const tokens = new TokenStore(storage, lock, 'test.tokens');
    const sent: string[] = [];
    let next = 1;
    tokens.useRefresher(async (refreshToken) => {
      sent.push(refreshToken);
      return pair(next++);
    });
    return { tokens, sent };
  }

  it('refreshes once for callers (or tabs on one storage) holding the same pair', async () => {
    const storage = new MemoryStorage();
    const lock = new InProcessLock();
    const one = store(storage, lock);
    const other = store(storage, lock);
    one.tokens.set(pair(0));
    const results = await Promise.all([one.tokens.refresh('r0'), other.tokens.refresh('r0'), one.tokens.refresh('r0')]);
    expect([...one.sent, ...other.sent]).toEqual(['r0']);
    expect(new Set(results.map((tokens) => tokens.refreshToken)).size).toBe(1);
  });

  it("after waiting for another tab's refresh, takes that tab's pair when it reaches the storage late", async () => {
    // Browsers pass localStorage writes between tabs asynchronously: the other tab released the lock, but
    // its new pair shows in this tab's storage only 50 ms later.
    const storage = new MemoryStorage();
    const afterAnotherTab: InProcessLock = { run: (_name, task) => task(true) } as InProcessLock;
    const { tokens, sent } = store(storage, afterAnotherTab);
    tokens.set(pair(0));
    setTimeout(() => storage.setItem('test.tokens', JSON.stringify(pair(7))), 50);
    expect((await tokens.refresh('r0')).refreshToken).toBe('r7');
    expect(sent).toEqual([]);
    // When nothing arrives (the other tab's refresh failed), it refreshes itself after the short wait.
    expect((await tokens.refresh('r7')).refreshToken).toBe('r1');
    expect(sent).toEqual(['r7']);
  });

  it('refreshes by itself when the access token is about to expire, not before', async () => {
    const { tokens, sent } = store();
    tokens.set(pair(0));
    expect(await tokens.accessToken()).toBe('a0');
    tokens.set({ ...pair(0), issuedAt: Date.now() - 59_000, expiresAt: Date.now() + 1_000 });
    expect(await tokens.accessToken()).toBe('a1');
    expect(sent).toEqual(['r0']);
  });

  it('signs out when the server refuses the refresh token (401), and keeps the tokens on a network error', async () => {
    const { tokens } = store();
    tokens.set(pair(0));
    tokens.useRefresher(async () => Promise.reject(new ChatError('NETWORK', 'offline')));
    await expect(tokens.refresh('r0')).rejects.toMatchObject({ code: 'NETWORK' });
    expect(tokens.current()?.refreshToken).toBe('r0');
    tokens.useRefresher(async () => Promise.reject(new ChatError('TOKEN_REUSED', 'reused', 401)));
    const changes: Array<Tokens | null> = [];
    tokens.onChange((next) => changes.push(next));
    await expect(tokens.refresh('r0')).rejects.toMatchObject({ code: 'SIGNED_OUT' });
    expect(tokens.current()).toBeNull();
    expect(changes).toEqual([null]);
  });
});

describe('Outbox', () => {
  function outbox(send: (item: OutboxItem) => Promise<never> | Promise<{ id: string }>, storage = new MemoryStorage()) {
    return new Outbox({ storage, key: 'test.outbox', send: send as never, onChange: () => undefined, onSent: () => undefined, backoff: { min: 1, max: 5 } });
  }

  it('retries a retryable failure with the same clientMessageId until acknowledged', async () => {
    const attempts: string[] = [];
    const box = outbox(async (item) => {
      attempts.push(item.clientMessageId);
      if (attempts.length < 3) throw new ChatError(attempts.length === 1 ? 'NETWORK' : 'SERVICE_UNAVAILABLE', 'try again');
      return { id: 'm1' };
    });
    const { clientMessageId, sent } = box.enqueue('c1', { content: 'hi' });
    await expect(sent).resolves.toEqual({ id: 'm1' });
    expect(attempts).toEqual([clientMessageId, clientMessageId, clientMessageId]);
    expect(box.pending).toEqual([]);
  });

  it('marks a refused message failed (typed error) and goes on with the next', async () => {
    const box = outbox(async (item) => {
      if (item.body.content === 'bad') throw new ChatError('VALIDATION_FAILED', 'content: too long', 400);
      return { id: item.clientMessageId };
    });
    const bad = box.enqueue('c1', { content: 'bad' });
    const good = box.enqueue('c1', { content: 'good' });
    const refused = await bad.sent.catch((error: unknown) => error);
    expect(isChatError(refused, 'VALIDATION_FAILED')).toBe(true);
    await expect(good.sent).resolves.toEqual({ id: good.clientMessageId });
    expect(box.pending).toEqual([expect.objectContaining({ clientMessageId: bad.clientMessageId, state: 'failed' })]);
  });

  it('keeps its queue in the storage: a new outbox on it sends what was left', async () => {
    const storage = new MemoryStorage();
    const first = outbox(async () => Promise.reject(new ChatError('NETWORK', 'offline')), storage);
    const { clientMessageId } = first.enqueue('c1', { content: 'later' });
    first.close();
    const sent: string[] = [];
    const second = outbox(async (item) => (sent.push(item.clientMessageId), { id: 'm' }), storage);
    await second.flush();
    expect(sent).toEqual([clientMessageId]);
  });
});

describe('docs/CLIENT.md', () => {
  it('shows examples/web/src/guide.ts, which CI type-checks, as its guide (under 30 lines)', () => {
    const guide = readFileSync(new URL('../../docs/CLIENT.md', import.meta.url), 'utf8');
    const block = guide.slice(guide.indexOf('```ts\n') + 6, guide.indexOf('```', guide.indexOf('```ts\n') + 6));
    expect(block).toBe(readFileSync(new URL('../../examples/web/src/guide.ts', import.meta.url), 'utf8'));
    expect(block.trim().split('\n').length).toBeLessThan(30);
  });
});

describe('the bundle size docs/CLIENT.md states', () => {
  /** min+gzip bytes of a browser bundle of the kit's main export (esbuild, as a frontend's bundler would make it). */
  async function measured(external: string[]): Promise<number> {
    const result = await build({
      stdin: { contents: "export { ChatClient, ok } from '@chat-backend/client';", resolveDir: process.cwd() },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      external,
      logLevel: 'silent',
    });
    return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
  }

  it('is what esbuild + gzip measure, within 10 %', async () => {
    const guide = readFileSync(new URL('../../docs/CLIENT.md', import.meta.url), 'utf8');
    const stated = /\*\*Size\*\*: ([\d.]+) KB min\+gzip for the kit itself, ([\d.]+) KB with/.exec(guide);
    expect(stated).not.toBeNull();
    const [kit, whole] = [Number(stated?.[1]) * 1000, Number(stated?.[2]) * 1000];
    const [kitBytes, wholeBytes] = [await measured(['socket.io-client', 'openapi-fetch']), await measured([])];
    expect(Math.abs(kitBytes - kit) / kit).toBeLessThan(0.1);
    expect(Math.abs(wholeBytes - whole) / whole).toBeLessThan(0.1);
  });
});
