import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, startServerProcess } from '../support/faults/server-process.js';

const LAUNCH = join(process.cwd(), 'scripts/launch.cjs');
const SEED = join(process.cwd(), 'dist/src/seed/seed.js');
/** Seeding a few thousand messages into a fresh embedded database takes a while on a busy machine. */
const SEED_TEST_TIMEOUT_MS = 300_000;

async function runSeed(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, TEST_DATABASE_URL: _test, ...inherited } = process.env;
  // Run from an empty directory: `npm run seed` is `launch.cjs`, which would read a `.env` there.
  const child = spawn(process.execPath, [LAUNCH, SEED], {
    cwd: dataDir,
    env: { ...inherited, NODE_ENV: 'development', DATA_DIR: join(dataDir, 'data'), MEDIA_DIR: join(dataDir, 'media'), LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('npm run seed', () => {
  let dir: string;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-seed-'));
  });

  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'builds the demo world, says how to sign in, adds nothing when run again, and the server then serves that world',
    async () => {
      const first = await runSeed(dir);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(first.stdout).toContain('Done: 6 users, 6 conversations, 3050 messages, an image.');
      expect(first.stdout).toContain('sign in as any of them with the password "demo-password-1"');
      expect(first.stdout).toContain('ada@demo.example');
      expect(first.stdout).toContain(`-d '{"email":"ada@demo.example","password":"demo-password-1"}'`);

      const again = await runSeed(dir);
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
      expect(again.stdout).toContain('The demo world was already complete: nothing to add.');

      server = await startServerProcess({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media') });
      const api = (path: string, init: RequestInit = {}) => fetch(`${server!.url}/api/v1${path}`, init);
      const json = async (response: Promise<Response> | Response): Promise<any> => (await response).json();
      const login = await api('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@demo.example', password: 'demo-password-1' }),
      });
      expect(login.status).toBe(200);
      const headers = { authorization: `Bearer ${(await json(login)).accessToken}` };

      const me = await json(api('/users/me', { headers }));
      expect(me.avatar).toMatchObject({ mimeType: 'image/png', width: 960, height: 540 });
      const conversations = await json(api('/conversations?limit=100', { headers }));
      const byTitle = Object.fromEntries(conversations.items.map((item: { title: string | null; type: string }) => [item.title ?? item.type, item]));
      // ada is in the lobby, the compilers group and two direct conversations.
      expect(conversations.items).toHaveLength(4);
      expect(byTitle['Demo lobby']).toMatchObject({ lastSeq: 1200, memberCount: 6, myRole: 'owner' });
      expect(byTitle.Compilers).toMatchObject({ lastSeq: 800, memberCount: 4, myRole: 'member' });
      expect(conversations.items.every((item: { unreadCount: number }) => item.unreadCount > 0)).toBe(true);

      const lobby = byTitle['Demo lobby'].id;
      const opening = await json(api(`/conversations/${lobby}/messages?after=0&limit=20`, { headers }));
      expect(opening.items.map((message: { seq: number }) => message.seq)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      expect(opening.items[0].attachments).toEqual([expect.objectContaining({ id: me.avatar.id, mimeType: 'image/png' })]);
      const image = await api(`/media/${me.avatar.id}/content`, { headers });
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(opening.items.some((message: { replyToId: string | null }) => message.replyToId)).toBe(true);
      expect(opening.items.some((message: { reactions: unknown[] }) => message.reactions.length)).toBe(true);
    },
    SEED_TEST_TIMEOUT_MS,
  );
});
