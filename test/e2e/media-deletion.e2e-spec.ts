import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventLog } from '../../src/events/event-log.service.js';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { filesIn, mediaClient, type MediaBody, temporaryMediaDir } from '../support/media.js';
import { image, pdf } from '../support/media-samples.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface MessageBody {
  id: string;
  attachments: MediaBody[];
}

describe('DELETE /media/:id', () => {
  const mediaDir = temporaryMediaDir();
  let running: TestApp;
  let given: Given;
  let chat: ChatGiven;
  let media: ReturnType<typeof mediaClient>;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;
  let png: Buffer;

  beforeAll(async () => {
    running = await startTestApp({ MEDIA_DIR: mediaDir.path }, { listen: true });
    given = builders(running);
    chat = chatBuilders(running);
    media = mediaClient(running);
    checker = await AsyncApiChecker.load(running);
    sockets = socketFactory(() => checker);
    png = await image.png(64, 48);
  });

  afterAll(async () => {
    sockets.closeAll();
    expect(checker.violations).toEqual([]);
    await running.close();
    mediaDir.remove();
  });

  const json = (user: GivenUser | undefined, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    running.app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, ...(payload ? { payload } : {}) });
  const remove = (user: GivenUser | undefined, mediaId: string) => json(user, 'DELETE', `/media/${mediaId}`);
  const sendWith = async (sender: GivenUser, conversationId: string, attachmentIds: string[], content?: string): Promise<MessageBody> => {
    const response = await json(sender, 'POST', `/conversations/${conversationId}/messages`, { clientMessageId: randomUUID(), attachmentIds, content });
    expect(response.statusCode).toBe(201);
    return response.json();
  };
  const filesOf = (mediaId: string) => filesIn(mediaDir.path).filter((file) => file.includes(mediaId));

  it('takes the upload off every message that carried it, forwards too, announces them, and removes its bytes', async () => {
    const [ada, bob, cy] = await Promise.all([given.user(), given.user(), given.user()]);
    const room = await chat.group(ada, [bob]);
    const elsewhere = await chat.group(bob, [cy]);
    const photo = await media.uploaded(ada, png, 'photo.png');
    const kept = await media.uploaded(ada, pdf(), 'notes.pdf');
    const message = await sendWith(ada, room.id, [photo.id, kept.id], 'two files');
    const forward = await json(bob, 'POST', `/conversations/${room.id}/messages/${message.id}/forward`, {
      toConversationId: elsewhere.id,
      clientMessageId: randomUUID(),
    });
    expect(forward.statusCode).toBe(201);
    const copy = forward.json() as MessageBody;
    expect(filesOf(photo.id)).toHaveLength(2);
    const signedForBob = message.attachments[0].url;
    expect((await media.get(null, (await json(bob, 'GET', `/conversations/${room.id}/messages?after=0`)).json().items[0].attachments[0].url)).statusCode).toBe(
      200,
    );
    const cyDevice = await sockets.connect(running.url, cy.accessToken);

    expect((await remove(ada, photo.id)).statusCode).toBe(204);

    // Gone from both messages, the other attachment kept; announced to each room; bytes and thumbnail removed.
    for (const [viewer, conversationId] of [
      [bob, room.id],
      [cy, elsewhere.id],
    ] as const) {
      const history = (await json(viewer, 'GET', `/conversations/${conversationId}/messages?after=0`)).json().items as MessageBody[];
      expect(history[0].attachments.map((attachment) => attachment.id)).toEqual([kept.id]);
    }
    const updated = await cyDevice.next<MessageBody>('message.updated', (event) => event.id === copy.id);
    expect(updated.payload.attachments.map((attachment) => attachment.id)).toEqual([kept.id]);
    expect(filesOf(photo.id)).toEqual([]);
    expect(filesOf(kept.id)).toHaveLength(1);
    expect((await media.get(null, signedForBob)).statusCode).toBe(404);
    expect((await json(ada, 'GET', `/media/${photo.id}`)).statusCode).toBe(404);

    // /sync from before: the message.created event of the original no longer lists it either.
    await running.app.get(EventLog).flush();
    const [created] = await running.app.get(DataSource).query(`SELECT data FROM chat_event WHERE type = 'message.created' AND message_id = $1`, [message.id]);
    expect((created.data as MessageBody).attachments.map((attachment) => attachment.id)).toEqual([kept.id]);

    // Deleting it again: 404, as for an upload that never was.
    expect((await remove(ada, photo.id)).statusCode).toBe(404);
  });

  it('clears the avatar it was, and deletes an upload nothing carries', async () => {
    const ada = await given.user();
    const avatar = await media.uploaded(ada, png, 'me.png');
    expect((await json(ada, 'PATCH', '/users/me', { avatarMediaId: avatar.id })).statusCode).toBe(200);
    const loose = await media.uploaded(ada, pdf(), 'loose.pdf');
    expect((await remove(ada, avatar.id)).statusCode).toBe(204);
    expect((await remove(ada, loose.id)).statusCode).toBe(204);
    expect((await json(ada, 'GET', '/users/me')).json().avatar).toBeNull();
    expect(await media.rowsOf(ada)).toBe(0);
    expect(filesOf(avatar.id)).toEqual([]);
    expect(filesOf(loose.id)).toEqual([]);
  });

  it('is for the uploader only: 403 for a member who sees it, 404 for strangers, removed members and bad ids', async () => {
    const [ada, bob, eve, gone] = await Promise.all([given.user(), given.user(), given.user(), given.user()]);
    const room = await chat.group(ada, [bob, gone]);
    const photo = await media.uploaded(ada, png, 'photo.png');
    await sendWith(ada, room.id, [photo.id]);
    await json(ada, 'DELETE', `/conversations/${room.id}/members/${gone.id}`);
    const admin = await given.admin();

    const member = await remove(bob, photo.id);
    expect([member.statusCode, member.json().code]).toEqual([403, 'FORBIDDEN']);
    expect((await remove(eve, photo.id)).statusCode).toBe(404);
    expect((await remove(gone, photo.id)).statusCode).toBe(404);
    expect((await remove(admin, photo.id)).statusCode).toBe(404);
    expect((await remove(undefined, photo.id)).statusCode).toBe(401);
    expect((await remove(ada, randomUUID())).statusCode).toBe(404);
    expect((await remove(ada, 'not-a-uuid')).statusCode).toBe(400);
    // Still there for everyone who could see it.
    expect((await json(bob, 'GET', `/media/${photo.id}`)).statusCode).toBe(200);
    expect(filesOf(photo.id)).toHaveLength(2);
  });

  it('leaves a blocked member the same answer as any member: 403, nothing deleted', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const direct = await chat.direct(ada, bob);
    const file = await media.uploaded(ada, pdf(), 'shared.pdf');
    await sendWith(ada, direct.id, [file.id]);
    expect((await running.app.inject({ method: 'PUT', url: `/api/v1/users/${ada.id}/block`, headers: bob.auth })).statusCode).toBe(204);
    expect((await remove(bob, file.id)).statusCode).toBe(403);
    // The uploader still may, block or not.
    expect((await remove(ada, file.id)).statusCode).toBe(204);
  });
});
