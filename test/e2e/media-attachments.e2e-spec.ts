import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MediaService } from '../../src/media/media.service.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, temporaryMediaDir, asBearer, bearerPath, type MediaBody } from '../support/media.js';
import { image, pdf } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('media: attachments on messages', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let media: ReturnType<typeof mediaClient>;

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: mediaDir.path });
    given = builders(running);
    chat = chatBuilders(running);
    media = mediaClient(running);
  });

  afterAll(async () => {
    await running.close();
    mediaDir.remove();
  });

  const send = (sender: GivenUser, conversationId: string, attachmentIds: string[], content?: string) =>
    running.app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers: sender.auth,
      payload: { clientMessageId: randomUUID(), attachmentIds, ...(content ? { content } : {}) },
    });

  const historyOf = async (user: GivenUser, conversationId: string) =>
    (await media.get(user, `/api/v1/conversations/${conversationId}/messages`)).json().items as Array<{ id: string; attachments: unknown[] }>;

  it("carries the sender's uploads as Media, in order, readable by the conversation's members and nobody else", async () => {
    const [ada, bob, eve] = [await given.user(), await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const document = await media.uploaded(ada, pdf());
    const photo = await media.uploaded(ada, await image.jpeg());

    const sent = await send(ada, room.id, [document.id, photo.id]);
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({ content: null });
    expect(sent.json().attachments.map(asBearer)).toEqual([document, photo].map(asBearer));
    expect((await historyOf(bob, room.id))[0].attachments.map((attachment) => asBearer(attachment as MediaBody))).toEqual([document, photo].map(asBearer));

    for (const url of [bearerPath(document.url), bearerPath(photo.url), bearerPath(photo.thumbnailUrl!), `/api/v1/media/${photo.id}`]) {
      expect((await media.get(bob, url)).statusCode).toBe(200);
      expect((await media.get(eve, url)).statusCode).toBe(404);
    }
  });

  it("refuses someone else's upload, an unknown one or a repeated one with 400, and sends nothing", async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const mine = await media.uploaded(ada, await image.png());
    const theirs = await media.uploaded(bob, await image.png());
    for (const attachmentIds of [[theirs.id], [mine.id, theirs.id], [randomUUID()]]) {
      const response = await send(ada, room.id, attachmentIds, 'look');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'attachmentIds' })] });
    }
    expect(await historyOf(ada, room.id)).toEqual([]);
    // Bob's upload stays his alone: being offered as an attachment shows it to nobody.
    expect((await media.get(ada, bearerPath(theirs.url))).statusCode).toBe(404);
  });

  it('takes access away from a member who leaves or is removed', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const photo = await media.uploaded(ada, await image.png());
    expect((await send(ada, room.id, [photo.id])).statusCode).toBe(201);
    expect((await media.get(bob, bearerPath(photo.url))).statusCode).toBe(200);
    const removed = await running.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${room.id}/members/${bob.id}`, headers: ada.auth });
    expect(removed.statusCode).toBe(204);
    expect((await media.get(bob, bearerPath(photo.url))).statusCode).toBe(404);
  });

  it("hides a deleted message's attachments from members, and lets the sweep collect them", async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const photo = await media.uploaded(ada, await image.png());
    const message = (await send(ada, room.id, [photo.id])).json() as { id: string };
    const deleted = await running.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${room.id}/messages/${message.id}`, headers: ada.auth });
    expect(deleted.statusCode).toBe(204);
    expect((await media.get(bob, bearerPath(photo.url))).statusCode).toBe(404);
    expect((await media.get(ada, bearerPath(photo.url))).statusCode).toBe(200);

    await running.app.get(DataSource).query(`UPDATE media SET created_at = now() - interval '2 days' WHERE id = $1`, [photo.id]);
    await running.app.get(MediaService).sweepOrphans();
    expect((await media.get(ada, bearerPath(photo.url))).statusCode).toBe(404);
    expect(filesIn(mediaDir.path).filter((file) => file.includes(photo.id))).toEqual([]);
  });

  it('never sweeps an upload a message carries', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const room = await chat.group(ada, [bob]);
    const photo = await media.uploaded(ada, await image.png());
    expect((await send(ada, room.id, [photo.id], 'old photo')).statusCode).toBe(201);
    await running.app.get(DataSource).query(`UPDATE media SET created_at = now() - interval '30 days' WHERE id = $1`, [photo.id]);
    await running.app.get(MediaService).sweepOrphans();
    expect((await media.get(bob, bearerPath(photo.url))).statusCode).toBe(200);
    expect(filesIn(mediaDir.path).filter((file) => file.includes(photo.id))).toHaveLength(2);
  });

  it('lets one upload travel in several messages, and a member of any of them read it', async () => {
    const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
    const [first, second] = [await chat.group(ada, [bob]), await chat.group(ada, [cy])];
    const photo = await media.uploaded(ada, await image.webp());
    expect((await send(ada, first.id, [photo.id])).statusCode).toBe(201);
    expect((await send(ada, second.id, [photo.id])).statusCode).toBe(201);
    expect((await media.get(bob, bearerPath(photo.url))).statusCode).toBe(200);
    expect((await media.get(cy, bearerPath(photo.url))).statusCode).toBe(200);
  });
});
