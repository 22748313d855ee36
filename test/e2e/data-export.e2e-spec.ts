import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import * as yauzl from 'yauzl';
import { EventLog } from '../../src/events/event-log.service.js';
import { DataExportJobs } from '../../src/exports/data-export.jobs.js';
import { JOBS_SCHEMA } from '../../src/jobs/jobs.service.js';
import { MediaUrls } from '../../src/media/media-urls.js';
import { eventually } from '../support/faults/ports.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir } from '../support/media.js';
import { pdf } from '../support/media-samples.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Every entry of a zip archive, by name (read with yauzl, one entry at a time). */
async function unzip(archive: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      zip
        .openReadStreamPromise(entry)
        .then(async (stream) => {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        })
        .catch(reject);
    });
    zip.readEntry();
  });
  return entries;
}

const json = <T>(entries: Map<string, Buffer>, name: string): T => JSON.parse(entries.get(name)!.toString('utf8')) as T;

/** Data export: the request, the `users.export` job (through the queue), the signed download and the housekeeping. */
describe('data export', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let media: ReturnType<typeof mediaClient>;
  let checker: AsyncApiChecker;
  let admin: GivenUser;
  const sockets = socketFactory(() => checker);

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: mediaDir.path, JOBS_POLL_INTERVAL_MS: '500' }, { listen: true });
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

  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, user: GivenUser | null) =>
    running.app.inject({ method, url: url.startsWith('/api/') ? url : `/api/v1${url}`, headers: user?.auth ?? {} });
  const sql = <T = Record<string, unknown>>(query: string, parameters: unknown[] = []) => running.app.get(DataSource).query<T[]>(query, parameters);
  const archiveFileOf = (exportId: string) => filesIn(mediaDir.path).find((path) => path.endsWith(`${exportId}.zip`));

  it('writes a zip of what is yours only, tells you on your user room, and serves it by signed URL', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob], 'Export club');
    const mine = await chat.message(ada, room, 'a word of mine');
    const theirs = await chat.message(bob, room, 'a word of theirs');
    expect((await inject('PUT', `/conversations/${room.id}/messages/${theirs.id}/reactions/${encodeURIComponent('🎉')}`, ada)).statusCode).toBe(200);
    const document = pdf();
    const upload = await media.uploaded(ada, document, 'notes.pdf');
    await chat.message(ada, room, 'with a file', { attachmentIds: [upload.id] });
    const socket = await sockets.connect(running.url, ada.accessToken);
    const { cursor } = (await inject('GET', '/sync', ada)).json() as { cursor: string };

    const started = await inject('POST', '/users/me/export', ada);
    expect(started.statusCode).toBe(202);
    const { exportId } = started.json() as { exportId: string };
    expect(exportId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));

    const told = await socket.next<{ exportId: string; status: string }>('export.finished', (payload) => payload.exportId === exportId, 60_000);
    expect(told.payload).toEqual({ exportId, status: 'ready' });
    expect(told.meta.cursor).toEqual(expect.any(String));
    await running.app.get(EventLog).flush();
    const synced = (await inject('GET', `/sync?since=${encodeURIComponent(cursor)}`, ada)).json() as {
      events: Array<{ type: string; data: unknown; cursor: string }>;
    };
    expect(synced.events).toContainEqual({ type: 'export.finished', data: { exportId, status: 'ready' }, cursor: told.meta.cursor });

    const status = await inject('GET', `/users/me/export/${exportId}`, ada);
    expect(status.statusCode).toBe(200);
    const { url } = status.json() as { status: string; url: string };
    expect(status.json()).toEqual({ status: 'ready', url: expect.stringMatching(new RegExp(`^/api/v1/exports/${exportId}/signed\\?expires=\\d+&scope=`)) });

    // No token needed: the signature is the credential.
    const download = await inject('GET', url, null);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    expect(download.headers['content-disposition']).toBe(`attachment; filename="export-${exportId}.zip"`);
    const entries = await unzip(download.rawPayload);

    expect(json(entries, 'profile.json')).toMatchObject({ id: ada.id, username: ada.username, email: ada.email });
    expect(JSON.stringify(json(entries, 'profile.json'))).not.toContain('password');
    expect(json(entries, 'conversations.json')).toEqual([{ id: room.id, type: 'group', title: 'Export club', role: 'owner', joinedAt: expect.any(String) }]);
    const messages = json<Array<{ id: string; content: string; conversationId: string; seq: string; attachmentIds: string[] }>>(entries, 'messages.json');
    expect(messages.find((message) => message.id === mine.id)).toMatchObject({
      content: 'a word of mine',
      conversationId: room.id,
      seq: expect.any(String),
      createdAt: expect.any(String),
      editedAt: null,
      replyToId: null,
    });
    expect(messages.map((message) => message.id)).not.toContain(theirs.id);
    expect(messages.find((message) => message.content === 'with a file')!.attachmentIds).toEqual([upload.id]);
    expect(json(entries, 'reactions.json')).toEqual([{ messageId: theirs.id, emoji: '🎉', createdAt: expect.any(String) }]);
    const uploads = json<Array<{ id: string; file: string }>>(entries, 'uploads.json');
    expect(uploads).toEqual([expect.objectContaining({ id: upload.id, mimeType: 'application/pdf', file: `uploads/${upload.id}.pdf` })]);
    expect(entries.get(`uploads/${upload.id}.pdf`)!.equals(document)).toBe(true);

    // Audited as the user's own action.
    const audit = (await inject('GET', `/admin/audit?type=user.exported&targetId=${ada.id}`, admin)).json().items;
    expect(audit).toEqual([expect.objectContaining({ actorId: ada.id, targetType: 'user', after: { exportId } })]);

    // Bob's own export holds his message, not Ada's.
    const bobsId = await given.dataExport(bob);
    const bobs = await given.finishedExport(bob, bobsId);
    const bobEntries = await unzip((await inject('GET', bobs.url!, null)).rawPayload);
    const bobMessages = json<Array<{ id: string }>>(bobEntries, 'messages.json').map((message) => message.id);
    expect(bobMessages).toEqual([theirs.id]);
    expect(json(bobEntries, 'uploads.json')).toEqual([]);
  });

  it("answers 404 for someone else's export, an unknown one and a tampered URL; 400 for a bad id; 401 without a token", async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const exportId = await given.dataExport(ada);
    const { url } = await given.finishedExport(ada, exportId);

    expect((await inject('GET', `/users/me/export/${exportId}`, bob)).statusCode).toBe(404);
    expect((await inject('GET', `/users/me/export/${exportId}`, admin)).statusCode).toBe(404);
    expect((await inject('GET', `/users/me/export/${randomUUID()}`, ada)).statusCode).toBe(404);
    expect((await inject('GET', '/users/me/export/not-a-uuid', ada)).statusCode).toBe(400);
    expect((await inject('GET', `/users/me/export/${exportId}`, null)).statusCode).toBe(401);
    expect((await inject('POST', '/users/me/export', null)).statusCode).toBe(401);

    // The URL signs the export and its owner: another scope, another export, another signature are 404s.
    const tampered = [
      url!.replace(`scope=u.${ada.id}`, `scope=u.${bob.id}`),
      url!.replace(exportId, randomUUID()),
      url!.replace(/signature=[^&]+/, `signature=${'A'.repeat(43)}`),
      url!.replace(/&signature=[^&]+/, ''),
      `/api/v1/exports/${exportId}/signed`,
    ];
    for (const bad of tampered) expect({ bad, status: (await inject('GET', bad, null)).statusCode }).toEqual({ bad, status: 404 });
    // A media URL's signature does not open an export, nor the reverse.
    const mediaStyle = url!.replace(`/exports/${exportId}/signed`, `/media/${exportId}/signed/content`);
    expect((await inject('GET', mediaStyle, null)).statusCode).toBe(404);
  });

  it('refuses an expired URL with 403 URL_EXPIRED; GET /users/me/export/:id gives a fresh one', async () => {
    const ada = await given.user();
    const exportId = await given.dataExport(ada);
    await given.finishedExport(ada, exportId);
    const stale = running.app.get(MediaUrls).exportUrl(exportId, ada.id, Date.now() - 8 * 24 * 3600 * 1000);
    const refused = await inject('GET', stale, null);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('URL_EXPIRED');
    const fresh = (await inject('GET', `/users/me/export/${exportId}`, ada)).json() as { url: string };
    expect((await inject('GET', fresh.url, null)).statusCode).toBe(200);
  });

  it('allows one pending export per user: a second POST is 409 with the pending exportId', async () => {
    const ada = await given.user();
    // An export whose job is still running (no job in the queue: it stays pending).
    const [{ id: running_ }] = await sql<{ id: string }>(`INSERT INTO data_export (user_id) VALUES ($1) RETURNING id`, [ada.id]);
    expect((await inject('GET', `/users/me/export/${running_}`, ada)).json()).toEqual({ status: 'pending' });
    const again = await inject('POST', '/users/me/export', ada);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'CONFLICT', details: [{ field: 'exportId', message: running_ }] });
    expect(await sql(`SELECT id FROM data_export WHERE user_id = $1`, [ada.id])).toHaveLength(1);
    // Refused requests are not audited.
    expect((await inject('GET', `/admin/audit?type=user.exported&targetId=${ada.id}`, admin)).json().items).toEqual([]);
  });

  it('starts one export for two requests at once: the other is 409 with its id', async () => {
    const ada = await given.user();
    const answers = await Promise.all([inject('POST', '/users/me/export', ada), inject('POST', '/users/me/export', ada)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([202, 409]);
    const started = answers.find((answer) => answer.statusCode === 202)!.json() as { exportId: string };
    expect(answers.find((answer) => answer.statusCode === 409)!.json().details).toEqual([{ field: 'exportId', message: started.exportId }]);
    expect(await sql(`SELECT id FROM data_export WHERE user_id = $1`, [ada.id])).toEqual([{ id: started.exportId }]);
    expect((await given.finishedExport(ada, started.exportId)).status).toBe('ready');
  });

  it('marks the export failed when the job fails on its last attempt (a missing upload file); another can be started', async () => {
    const ada = await given.user();
    const upload = await media.uploaded(ada, pdf(), 'gone.pdf');
    unlinkSync(
      join(
        mediaDir.path,
        filesIn(mediaDir.path).find((path) => path.endsWith(upload.id))!,
      ),
    );
    const socket = await sockets.connect(running.url, ada.accessToken);

    const exportId = await given.dataExport(ada);
    // Retries wait with backoff; bring each one forward instead of waiting.
    await eventually(
      async () => {
        await sql(`UPDATE ${JOBS_SCHEMA}.job SET start_after = now() WHERE name = 'users.export' AND data->>'exportId' = $1 AND state = 'retry'`, [exportId]);
        const [row] = await sql<{ status: string }>(`SELECT status FROM data_export WHERE id = $1`, [exportId]);
        return row.status === 'failed' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'export failed' },
    );
    const told = await socket.next<{ exportId: string; status: string }>('export.finished', (payload) => payload.exportId === exportId, 30_000);
    expect(told.payload).toEqual({ exportId, status: 'failed' });
    expect(await sql(`SELECT retry_count FROM ${JOBS_SCHEMA}.job WHERE data->>'exportId' = $1`, [exportId])).toEqual([{ retry_count: 2 }]);
    expect((await inject('GET', `/users/me/export/${exportId}`, ada)).json()).toEqual({ status: 'failed' });
    expect(archiveFileOf(exportId)).toBeUndefined();

    // Without the broken upload, the next export goes through.
    await sql(`DELETE FROM media WHERE id = $1`, [upload.id]);
    const next = await given.dataExport(ada);
    expect(next).not.toBe(exportId);
    expect((await given.finishedExport(ada, next)).status).toBe('ready');
  });

  it('fails a pending export whose job died without a word (older than every attempt could take), so another can start', async () => {
    const ada = await given.user();
    const socket = await sockets.connect(running.url, ada.accessToken);
    const [{ id: lost }] = await sql<{ id: string }>(`INSERT INTO data_export (user_id, created_at) VALUES ($1, now() - interval '5 hours') RETURNING id`, [
      ada.id,
    ]);
    const [{ id: recent }] = await sql<{ id: string }>(
      `INSERT INTO data_export (user_id, status, created_at) VALUES ($1, 'failed', now() - interval '1 hour') RETURNING id`,
      [ada.id],
    );
    expect((await inject('POST', '/users/me/export', ada)).statusCode).toBe(409);
    await running.app.get(DataExportJobs).housekeeping();
    expect((await inject('GET', `/users/me/export/${lost}`, ada)).json()).toEqual({ status: 'failed' });
    expect((await socket.next<{ exportId: string }>('export.finished', (payload) => payload.exportId === lost)).payload).toEqual({
      exportId: lost,
      status: 'failed',
    });
    expect(socket.all('export.finished', (payload: { exportId: string }) => payload.exportId === recent)).toEqual([]);
    expect((await inject('POST', '/users/me/export', ada)).statusCode).toBe(202);
  });

  it('deletes finished exports and their archives once EXPORT_TTL is over', async () => {
    const ada = await given.user();
    const exportId = await given.dataExport(ada);
    const { url } = await given.finishedExport(ada, exportId);
    expect(archiveFileOf(exportId)).toBeDefined();
    const [{ expires_at }] = await sql<{ expires_at: Date }>(`SELECT expires_at FROM data_export WHERE id = $1`, [exportId]);
    // 7 days by default.
    expect(expires_at.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);

    await running.app.get(DataExportJobs).housekeeping();
    expect((await inject('GET', `/users/me/export/${exportId}`, ada)).statusCode).toBe(200);

    await sql(`UPDATE data_export SET expires_at = now() - interval '1 second' WHERE id = $1`, [exportId]);
    await running.app.get(DataExportJobs).housekeeping();
    expect((await inject('GET', `/users/me/export/${exportId}`, ada)).statusCode).toBe(404);
    expect((await inject('GET', url!, null)).statusCode).toBe(404);
    expect(archiveFileOf(exportId)).toBeUndefined();
  });

  it("stops serving a deleted account's archive at once, and the housekeeping deletes it", async () => {
    const ada = await given.user();
    const exportId = await given.dataExport(ada);
    const { url } = await given.finishedExport(ada, exportId);
    const deleted = await running.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: ada.auth, payload: { password: ada.password } });
    expect(deleted.statusCode).toBe(202);
    expect((await inject('GET', url!, null)).statusCode).toBe(404);
    await running.app.get(DataExportJobs).housekeeping();
    expect(archiveFileOf(exportId)).toBeUndefined();
    expect(await sql(`SELECT id FROM data_export WHERE id = $1`, [exportId])).toEqual([]);
  });
});
