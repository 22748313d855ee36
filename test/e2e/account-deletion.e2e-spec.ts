import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { pdf } from '../support/media-samples.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { EventLog } from '../../src/events/event-log.service.js';

/** Account deletion over HTTP and the socket, and the jobs that finish it (run through the queue). */
describe('account deletion', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let media: ReturnType<typeof mediaClient>;
  let checker: AsyncApiChecker;
  let admin: GivenUser;
  const sockets = socketFactory(() => checker);

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: mediaDir.path, JOBS_POLL_INTERVAL_MS: '500', LOGIN_MAX_FAILURES: '3' }, { listen: true });
    checker = await AsyncApiChecker.load(running);
    given = builders(running);
    chat = chatBuilders(running);
    media = mediaClient(running);
    admin = await given.admin();
  });

  afterAll(async () => {
    sockets.closeAll();
    await running.close();
    mediaDir.remove();
  });

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, user: GivenUser | null, payload?: object, remoteAddress?: string) =>
    running.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user?.auth ?? {},
      ...(payload ? { payload } : {}),
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  const sql = <T = Record<string, unknown>>(query: string, parameters: unknown[] = []) => running.app.get(DataSource).query<T[]>(query, parameters);
  const jobOf = async (name: string, userId: string) =>
    (
      await sql<{ id: string; state: string; start_after: Date }>(
        `SELECT id, state, start_after FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND data->>'userId' = $2`,
        [name, userId],
      )
    )[0];
  const finished = (name: string, userId: string) =>
    eventually(async () => ((await jobOf(name, userId))?.state === 'completed' ? true : undefined), { timeoutMs: 30_000, what: `${name} completed` });

  it('needs the password: wrong or missing is 400 and changes nothing; without a token 401', async () => {
    const ada = await given.user();
    const wrong = await inject('DELETE', '/users/me', ada, { password: 'not-the-password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('VALIDATION_FAILED');
    expect((await inject('DELETE', '/users/me', ada, {})).statusCode).toBe(400);
    expect((await inject('DELETE', '/users/me', ada, { password: ada.password, extra: 1 })).statusCode).toBe(400);
    expect((await inject('DELETE', '/users/me', null, { password: ada.password })).statusCode).toBe(401);
    expect((await inject('GET', '/users/me', ada)).json()).toMatchObject({ id: ada.id, username: ada.username });
  });

  it('counts wrong passwords like failed sign-ins: past the limit 429, even with the right one', async () => {
    const ada = await given.user();
    const address = '203.0.113.77';
    for (let n = 0; n < 3; n += 1) expect((await inject('DELETE', '/users/me', ada, { password: 'wrong-guess' }, address)).statusCode).toBe(400);
    const limited = await inject('DELETE', '/users/me', ada, { password: ada.password }, address);
    expect(limited.statusCode).toBe(429);
    expect((await inject('GET', '/users/me', ada)).statusCode).toBe(200);
  });

  it('revokes every session at once and drops live sockets; the profile is erased, messages stay as "Deleted user", uploads go', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const phone = await given.anotherSession(ada);
    const room = await chat.group(bob, [ada]);
    const { cursor: since } = (await inject('GET', '/sync', bob)).json() as { cursor: string };
    const direct = await chat.direct(ada, bob);
    const upload = await media.uploaded(ada, pdf());
    const carried = await chat.message(ada, room, 'with a file', { attachmentIds: [upload.id] });
    const said = await chat.message(ada, direct, 'a direct word');
    const socket = await sockets.connect(running.url, phone.accessToken);

    expect((await inject('DELETE', '/users/me', ada, { password: ada.password })).statusCode).toBe(202);
    await expect(socket.disconnected()).resolves.toBe('io server disconnect');
    for (const session of [ada, phone]) {
      expect((await inject('GET', '/users/me', session)).statusCode).toBe(401);
      const refresh = await inject('POST', '/auth/refresh', null, { refreshToken: session.refreshToken });
      expect(refresh.statusCode).toBe(403);
    }
    expect((await inject('POST', '/auth/login', null, { email: ada.email, password: ada.password })).statusCode).toBe(401);

    // The profile answers 404, as a banned user's; what is left of the row holds nothing personal.
    expect((await inject('GET', `/users/${ada.id}`, bob)).statusCode).toBe(404);
    const [row] = await sql<Record<string, unknown>>(
      `SELECT email, display_name, status_text, avatar_media_id, metadata, banned, deleted_at FROM users WHERE id = $1`,
      [ada.id],
    );
    expect(row).toEqual({
      email: `deleted+${ada.id}@deleted.invalid`,
      display_name: 'Deleted user',
      status_text: null,
      avatar_media_id: null,
      metadata: {},
      banned: true,
      deleted_at: expect.any(Date),
    });
    const history = (await inject('GET', `/conversations/${room.id}/messages`, bob)).json().items as Array<{
      id: string;
      content: string;
      sender: { displayName: string };
    }>;
    expect(history.find((message) => message.id === carried.id)).toMatchObject({
      content: 'with a file',
      sender: expect.objectContaining({ displayName: 'Deleted user' }),
    });
    const directHistory = (await inject('GET', `/conversations/${direct.id}/messages`, bob)).json().items as Array<{ id: string }>;
    expect(directHistory.map((message) => message.id)).toContain(said.id);

    await finished('users.delete', ada.id);
    expect(await sql(`SELECT id FROM media WHERE uploader_id = $1`, [ada.id])).toEqual([]);
    expect(filesIn(mediaDir.path).some((path) => path.endsWith(upload.id))).toBe(false);
    const after = (await inject('GET', `/conversations/${room.id}/messages`, bob)).json().items as Array<{ id: string; attachments: unknown[] }>;
    expect(after.find((message) => message.id === carried.id)!.attachments).toEqual([]);
    expect((await inject('GET', `/media/${upload.id}`, bob)).statusCode).toBe(404);
    // Nor does catching up hand out the upload: the events that embedded it were rewritten, and announced.
    await running.app.get(EventLog).flush();
    const sync = (await inject('GET', `/sync?since=${encodeURIComponent(since)}&limit=500`, bob)).json() as {
      events: Array<{ type: string; data: { id?: string; attachments?: Array<{ id: string }> } }>;
    };
    const carriedEvents = sync.events.filter((event) => event.data.id === carried.id);
    expect(carriedEvents.map((event) => event.type)).toEqual(expect.arrayContaining(['message.created', 'message.updated']));
    expect(JSON.stringify(sync.events)).not.toContain(upload.id);
  });

  it('holds the username until ACCOUNT_USERNAME_HOLD is over, then frees it', async () => {
    const ada = await given.user();
    expect((await inject('DELETE', '/users/me', ada, { password: ada.password })).statusCode).toBe(202);
    const signup = () =>
      inject('POST', '/auth/signup', null, { email: `${randomUUID()}@example.test`, username: ada.username, password: 'a-new-password-1' }, '198.51.100.9');
    expect((await signup()).statusCode).toBe(409);
    const freeing = await jobOf('users.free-username', ada.id);
    // 30 days by default: the job waits in the queue until then.
    expect(freeing.start_after.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    await sql(`UPDATE ${JOBS_SCHEMA}.job SET start_after = now() WHERE id = $1`, [freeing.id]);
    await finished('users.free-username', ada.id);
    expect((await signup()).statusCode).toBe(201);
  });

  describe('DELETE /admin/users/:id', () => {
    it('is for admins; refuses your own account, a bad id and an unknown user', async () => {
      const [ada, bob] = [await given.user(), await given.user()];
      expect((await inject('DELETE', `/admin/users/${bob.id}`, null)).statusCode).toBe(401);
      expect((await inject('DELETE', `/admin/users/${bob.id}`, ada)).statusCode).toBe(403);
      expect((await inject('DELETE', `/admin/users/${admin.id}`, admin)).statusCode).toBe(400);
      expect((await inject('DELETE', `/admin/users/not-a-uuid`, admin)).statusCode).toBe(400);
      expect((await inject('DELETE', `/admin/users/${randomUUID()}`, admin)).statusCode).toBe(404);
      expect((await inject('GET', '/users/me', bob)).statusCode).toBe(200);
    });

    it('deletes the account, audited once; a retry answers 202 and changes nothing', async () => {
      const ada = await given.user();
      expect((await inject('DELETE', `/admin/users/${ada.id}`, admin)).statusCode).toBe(202);
      expect((await inject('DELETE', `/admin/users/${ada.id}`, admin)).statusCode).toBe(202);
      expect((await inject('GET', '/users/me', ada)).statusCode).toBe(401);
      const audit = (await inject('GET', `/admin/audit?type=user.deleted&targetId=${ada.id}`, admin)).json().items;
      expect(audit).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'user', before: { deleted: false }, after: { deleted: true } })]);
      await finished('users.delete', ada.id);
      expect(await sql(`SELECT id FROM ${JOBS_SCHEMA}.job WHERE name = 'users.delete' AND data->>'userId' = $1`, [ada.id])).toHaveLength(1);

      // It stays banned: an erased profile does not come back.
      for (const change of [{ banned: false }, { role: 'admin' }]) {
        const refused = await running.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${ada.id}`, headers: admin.auth, payload: change });
        expect(refused.statusCode).toBe(409);
      }
      expect(await sql(`SELECT banned, role FROM users WHERE id = $1`, [ada.id])).toEqual([{ banned: true, role: 'user' }]);
    });
  });
});
