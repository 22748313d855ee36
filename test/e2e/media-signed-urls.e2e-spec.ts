import { randomUUID } from 'node:crypto';
import { MediaUrls } from '../../src/media/media-urls.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { mediaClient, type MediaBody, temporaryMediaDir } from '../support/media.js';
import { image, pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * Signed media URLs as a browser uses them: no header at all, the expiry and the signature checked, the
 * rule each URL was issued under checked again at every load (so removing access revokes it), and the
 * payloads that carry them (uploads, GET /media/:id, attachments in history and /sync, avatars).
 */

type SyncEvent = { type: string; data: Record<string, unknown> & { id?: string } };

/** The caller's current /sync cursor: events after it are what the next calls return. */
async function cursorOf(running: TestApp, user: GivenUser): Promise<string> {
  return (await running.app.inject({ method: 'GET', url: '/api/v1/sync', headers: user.auth })).json().cursor as string;
}

/** Events after `since`, asked again until one satisfies `wanted` (the log sequences them after commit). */
async function syncedEvent(running: TestApp, user: GivenUser, since: string, wanted: (event: SyncEvent) => boolean): Promise<SyncEvent> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const page = (await running.app.inject({ method: 'GET', url: `/api/v1/sync?since=${encodeURIComponent(since)}&limit=100`, headers: user.auth })).json();
    const found = (page.events as SyncEvent[]).find(wanted);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the event never reached /sync');
}

describe('signed media URLs', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let media: ReturnType<typeof mediaClient>;
  let png: Buffer;

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: mediaDir.path });
    given = builders(running);
    chat = chatBuilders(running);
    media = mediaClient(running);
    png = await image.png(64, 48);
  });

  afterAll(async () => {
    await running.close();
    mediaDir.remove();
  });

  /** A load with no header at all, as `<img src>` makes it. */
  const load = (url: string, headers: Record<string, string> = {}) => running.app.inject({ method: 'GET', url, headers });
  const json = (user: GivenUser, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });

  const sendWith = async (sender: GivenUser, conversationId: string, attachmentIds: string[]) => {
    const response = await json(sender, 'POST', `/conversations/${conversationId}/messages`, { clientMessageId: randomUUID(), attachmentIds });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; attachments: MediaBody[] };
  };

  it('hands the uploader URLs that load with no header: the bytes, ranges, ETag, inline, cross-origin, cached until they expire', async () => {
    const ada = await given.user();
    const upload = await media.uploaded(ada, png, 'photo.png');
    expect(upload.url).toMatch(new RegExp(`^/api/v1/media/${upload.id}/signed/content\\?expires=\\d+&scope=u\\.${ada.id}&signature=[\\w-]{43}$`));
    expect(upload.thumbnailUrl).toMatch(new RegExp(`^/api/v1/media/${upload.id}/signed/thumbnail\\?`));

    const whole = await load(upload.url);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.length).toBe(upload.size);
    expect(whole.headers).toMatchObject({
      'content-type': 'image/png',
      etag: `"${upload.sha256}"`,
      'accept-ranges': 'bytes',
      'content-disposition': `inline; filename="${upload.id}.png"`,
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    });
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(String(whole.headers['cache-control']))?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(0.75 * 3600 - 5);
    expect(maxAge).toBeLessThanOrEqual(3600);

    const part = await load(upload.url, { range: 'bytes=0-9' });
    expect([part.statusCode, part.headers['content-range'], part.rawPayload.length]).toEqual([206, `bytes 0-9/${upload.size}`, 10]);
    expect((await load(upload.url, { 'if-none-match': `"${upload.sha256}"` })).statusCode).toBe(304);
    const thumbnail = await load(upload.thumbnailUrl!);
    expect([thumbnail.statusCode, thumbnail.headers['content-type']]).toEqual([200, 'image/webp']);
  });

  it('gives the same URL again within a step (so <img> keeps its copy), and none to who may not read the upload', async () => {
    const [ada, eve] = await Promise.all([given.user(), given.user()]);
    const upload = await media.uploaded(ada, png, 'photo.png');
    const described = await json(ada, 'GET', `/media/${upload.id}`);
    expect(described.statusCode).toBe(200);
    // Unless the clock crossed a step boundary (a quarter of MEDIA_URL_TTL) between the two answers.
    const step = 900;
    const expiresOf = (url: string) => Number(new URL(url, 'http://x').searchParams.get('expires'));
    if (Math.floor(expiresOf(described.json().url) / step) === Math.floor(expiresOf(upload.url) / step)) expect(described.json().url).toBe(upload.url);
    const refused = await json(eve, 'GET', `/media/${upload.id}`);
    expect([refused.statusCode, refused.body]).toEqual([404, expect.not.stringContaining('signature')]);
  });

  it('refuses an expired URL with 403 URL_EXPIRED, and a tampered one with 404 even when expired', async () => {
    const ada = await given.user();
    const upload = await media.uploaded(ada, png, 'photo.png');
    const urls = running.app.get(MediaUrls);
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = urls.signed(upload.id, 'content', { kind: 'viewer', userId: ada.id }, past);
    const answer = await load(expired);
    expect([answer.statusCode, answer.json().code]).toEqual([403, 'URL_EXPIRED']);

    const good = new URL(upload.url, 'http://x');
    const tampered = (change: (url: URL) => void) => {
      const copy = new URL(good);
      change(copy);
      return `${copy.pathname}${copy.search}`;
    };
    const cases = [
      tampered((url) => url.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600))),
      tampered((url) => url.searchParams.set('scope', 'a')),
      tampered((url) => url.searchParams.set('signature', 'A'.repeat(43))),
      tampered((url) => url.searchParams.delete('signature')),
      tampered((url) => (url.pathname = url.pathname.replace('/content', '/thumbnail'))),
      tampered((url) => (url.pathname = url.pathname.replace('/content', '/original'))),
      tampered((url) => (url.pathname = url.pathname.replace(upload.id, randomUUID()))),
      `${new URL(expired, 'http://x').pathname}?${new URL(expired, 'http://x').searchParams.toString().replace(/signature=[^&]+/, `signature=${'B'.repeat(43)}`)}`,
    ];
    for (const url of cases) {
      const refused = await load(url);
      expect([url, refused.statusCode, refused.json().code]).toEqual([url, 404, 'NOT_FOUND']);
    }
  });

  it('signs attachments for the conversation: members load them, a deleted message revokes them at once', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(ada, [bob]);
    const upload = await media.uploaded(ada, png, 'photo.png');
    const since = await cursorOf(running, bob);
    const sent = await sendWith(ada, group.id, [upload.id]);
    const [attachment] = sent.attachments;
    expect(attachment.url).toMatch(new RegExp(`scope=c\\.${group.id}&`));

    const history = await json(bob, 'GET', `/conversations/${group.id}/messages`);
    const shown = history.json().items[0].attachments[0] as MediaBody;
    expect((await load(shown.url)).statusCode).toBe(200);
    expect((await load(shown.thumbnailUrl!)).statusCode).toBe(200);

    // /sync replays the logged event with freshly signed URLs.
    const created = await syncedEvent(running, bob, since, (event) => event.type === 'message.created' && event.data.id === sent.id);
    expect((await load((created.data.attachments as MediaBody[])[0].url)).statusCode).toBe(200);

    expect((await json(ada, 'DELETE', `/conversations/${group.id}/messages/${sent.id}`)).statusCode).toBe(204);
    expect((await load(shown.url)).statusCode).toBe(404);
    expect((await load(shown.thumbnailUrl!)).statusCode).toBe(404);
    // The uploader's own URL still holds: the upload is still theirs.
    expect((await load(upload.url)).statusCode).toBe(200);
  });

  it('binds GET /media/:id URLs to the viewer: removing the viewer from the conversation revokes theirs', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(ada, [bob]);
    const upload = await media.uploaded(ada, pdf(), 'notes.pdf');
    const sent = await sendWith(ada, group.id, [upload.id]);
    expect(sent.attachments[0].thumbnailUrl).toBeNull();
    const bobs = (await json(bob, 'GET', `/media/${upload.id}`)).json() as MediaBody;
    expect(bobs.url).toMatch(new RegExp(`scope=u\\.${bob.id}&`));
    const download = await load(bobs.url);
    expect([download.statusCode, download.headers['content-disposition']]).toEqual([200, `attachment; filename="${upload.id}.pdf"`]);

    expect((await json(ada, 'DELETE', `/conversations/${group.id}/members/${bob.id}`)).statusCode).toBe(204);
    expect((await load(bobs.url)).statusCode).toBe(404);
    expect((await load(upload.url)).statusCode).toBe(200);
    // No thumbnail for a PDF, whatever the URL says.
    expect((await load(running.app.get(MediaUrls).sign(upload.url.replace('/content', '/thumbnail'), { kind: 'viewer', userId: ada.id }))).statusCode).toBe(
      404,
    );
  });

  it('signs avatars in profiles and as sender.avatarUrl; changing the avatar revokes the old ones', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const first = await media.uploaded(ada, png, 'me.png');
    expect((await json(ada, 'PATCH', '/users/me', { avatarMediaId: first.id })).statusCode).toBe(200);
    const me = (await json(ada, 'GET', '/users/me')).json() as { avatar: MediaBody };
    expect(me.avatar.url).toMatch(/scope=a&/);
    const profile = (await json(bob, 'GET', `/users/${ada.id}`)).json() as { avatar: MediaBody };
    expect((await load(profile.avatar.thumbnailUrl!)).statusCode).toBe(200);

    const direct = await chat.direct(bob, ada);
    await chat.message(ada, direct, 'hello');
    const history = (await json(bob, 'GET', `/conversations/${direct.id}/messages`)).json() as {
      items: Array<{ sender: { id: string; avatarUrl: string | null; isBot: boolean } }>;
    };
    const { sender } = history.items[0];
    expect(sender).toMatchObject({
      id: ada.id,
      isBot: false,
      avatarUrl: expect.stringMatching(new RegExp(`^/api/v1/media/${first.id}/signed/thumbnail\\?.*scope=a&`)),
    });
    const avatar = await load(sender.avatarUrl!);
    expect([avatar.statusCode, avatar.headers['content-type']]).toEqual([200, 'image/webp']);

    const second = await media.uploaded(ada, await image.png(32, 32), 'me2.png');
    expect((await json(ada, 'PATCH', '/users/me', { avatarMediaId: second.id })).statusCode).toBe(200);
    expect((await load(sender.avatarUrl!)).statusCode).toBe(404);
    expect((await load(profile.avatar.url)).statusCode).toBe(404);
  });
});

describe('what a chat UI draws', () => {
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;

  beforeAll(async () => {
    running = await startTestApp();
    given = builders(running);
    chat = chatBuilders(running);
  });

  afterAll(async () => {
    await running.close();
  });

  const json = (user: GivenUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: user.auth, ...(payload ? { payload } : {}) });

  it('shows a direct conversation with its peer, a group with none, in the list, the detail and the event', async () => {
    const [ada, bob, cy] = await Promise.all([given.user({ displayName: 'Ada' }), given.user({ displayName: 'Bob' }), given.user()]);
    const since = await cursorOf(running, bob);
    const direct = await chat.direct(ada, bob);
    const group = await chat.group(ada, [cy]);
    const list = (await json(ada, 'GET', '/conversations')).json().items as Array<{ id: string; peer: { id: string; displayName: string } | null }>;
    expect(list.find((item) => item.id === direct.id)?.peer).toMatchObject({ id: bob.id, displayName: 'Bob', presence: { online: false } });
    expect(list.find((item) => item.id === group.id)?.peer).toBeNull();
    expect((await json(bob, 'GET', `/conversations/${direct.id}`)).json().peer).toMatchObject({ id: ada.id, displayName: 'Ada' });
    const event = await syncedEvent(running, bob, since, (candidate) => candidate.type === 'conversation.updated' && candidate.data.id === direct.id);
    expect(event.data.peer).toMatchObject({ id: ada.id });
  });

  it('answers a reaction with the reactions to draw, the same again on a retry', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const group = await chat.group(ada, [bob]);
    const message = await chat.message(ada, group, 'lunch?');
    const path = `/conversations/${group.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`;
    expect((await json(bob, 'PUT', path)).json()).toEqual({
      conversationId: group.id,
      messageId: message.id,
      reactions: [{ emoji: '👍', count: 1, me: true }],
    });
    const second = await json(ada, 'PUT', path);
    expect([second.statusCode, second.json().reactions]).toEqual([200, [{ emoji: '👍', count: 2, me: true }]]);
    expect((await json(ada, 'PUT', path)).json().reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
    const eve = await given.user();
    expect((await json(eve, 'PUT', path)).statusCode).toBe(404);
  });

  it('moves the delivered marker over REST, forward only, for members only', async () => {
    const [ada, bob, eve] = await Promise.all([given.user(), given.user(), given.user()]);
    const group = await chat.group(ada, [bob]);
    const since = await cursorOf(running, ada);
    await chat.message(ada, group, 'one');
    const sent = await chat.message(ada, group, 'two');
    expect((await json(bob, 'POST', `/conversations/${group.id}/delivered`, { seq: 2 })).statusCode).toBe(204);
    expect((await json(bob, 'POST', `/conversations/${group.id}/delivered`, { seq: 1 })).statusCode).toBe(204);
    const members = (await json(ada, 'GET', `/conversations/${group.id}`)).json().members as Array<{
      user: { id: string };
      lastDeliveredSeq: number;
      lastReadSeq: number;
    }>;
    expect(members.find((member) => member.user.id === bob.id)).toMatchObject({ lastDeliveredSeq: 2, lastReadSeq: 0 });
    const history = (await json(ada, 'GET', `/conversations/${group.id}/messages`)).json().items as Array<{ id: string; status: string }>;
    expect(history.find((item) => item.id === sent.id)?.status).toBe('delivered');
    const bad = await json(bob, 'POST', `/conversations/${group.id}/delivered`, { seq: -1 });
    expect([bad.statusCode, bad.json().details[0].field]).toEqual([400, 'seq']);
    expect((await json(eve, 'POST', `/conversations/${group.id}/delivered`, { seq: 1 })).statusCode).toBe(404);
    const receipt = await syncedEvent(running, ada, since, (event) => event.type === 'receipt' && event.data.userId === bob.id);
    expect(receipt.data).toEqual({ conversationId: group.id, userId: bob.id, type: 'delivered', seq: 2 });
  });
});
