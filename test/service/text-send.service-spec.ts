import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../../src/common/auth/auth-user.js';
import { ConversationsService } from '../../src/conversations/conversations.service.js';
import { DraftsService } from '../../src/conversations/drafts.service.js';
import { NEW_MESSAGE_EXTRAS, toMessageData } from '../../src/messages/message.mapper.js';
import { MessagesRepository } from '../../src/messages/messages.repository.js';
import { MessagesService } from '../../src/messages/messages.service.js';
import { PostWrites } from '../../src/messages/post-writes.js';
import { useTestApp } from '../support/use-test-app.js';
import { serviceGiven, type ServiceGiven } from './support/service-given.js';

/*
 * A text send with nothing of its own beside its row is one autocommitted statement (`postAlone`): the
 * event it writes must be the message exactly as the transactional path builds it, slow mode must still
 * hold, a reused clientMessageId must take no seq, and the follow-ups (draft, archived members) must
 * happen with it or not at all.
 */
describe('a text send in one statement, at the service', () => {
  const app = useTestApp();
  let given: ServiceGiven;
  let database: DataSource;
  let messages: MessagesService;
  let postWrites: PostWrites;

  beforeAll(() => {
    given = serviceGiven(app.running);
    database = app.running.app.get(DataSource);
    messages = app.running.app.get(MessagesService);
    postWrites = app.running.app.get(PostWrites);
  });

  const send = (user: AuthUser, conversationId: string, content: string, clientMessageId: string = randomUUID()) =>
    messages.send(user, conversationId, { clientMessageId, content }, 'rest');
  const eventsOf = async (conversationId: string, userId: string) =>
    (await database.query(
      `SELECT id::text, type, message_id, data FROM chat_event WHERE conversation_id = $1 OR (user_id = $2 AND type = 'draft.updated') ORDER BY id`,
      [conversationId, userId],
    )) as Array<{ id: string; type: string; message_id: string | null; data: Record<string, unknown> }>;
  const lastSeq = async (conversationId: string) =>
    Number(((await database.query('SELECT last_seq FROM conversation WHERE id = $1', [conversationId])) as Array<{ last_seq: string }>)[0].last_seq);

  it('logs the message as toMessageData builds it from the stored row, the sender’s avatar and bot flag included', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const avatar = await given.upload(ada);
    await database.query('UPDATE users SET avatar_media_id = $2, is_bot = true WHERE id = $1', [ada.id, avatar]);
    const conversationId = await given.direct(ada, bob);
    const alone = jest.spyOn(postWrites, 'postAlone');
    const clientMessageId = randomUUID();
    const { message, created } = await send(ada, conversationId, 'héllo "quoted" \\ {"json": 1}', clientMessageId);
    expect(created).toBe(true);
    expect(alone).toHaveBeenCalledTimes(1);
    await expect(alone.mock.results[0].value).resolves.not.toBeNull();
    alone.mockRestore();

    const row = await app.running.app.get(MessagesRepository).findByClientId(conversationId, ada.id, clientMessageId);
    const [event] = (await eventsOf(conversationId, ada.id)).filter((logged) => logged.type === 'message.created');
    expect(event.message_id).toBe(message.id);
    expect(event.data).toEqual(JSON.parse(JSON.stringify(toMessageData(row!, NEW_MESSAGE_EXTRAS))));
    expect(event.data).toMatchObject({ seq: message.seq, createdAt: message.createdAt, sender: { id: ada.id, isBot: true } });
    expect((event.data.sender as { avatarUrl: string }).avatarUrl).toContain(avatar);
  });

  it('still holds a member back in slow mode, and lets the owner through, writing nothing for the refused send', async () => {
    const [owner, member] = [await given.user(), await given.user()];
    const conversationId = await given.group(owner, [member]);
    await app.running.app.get(ConversationsService).update({ ...owner, requestId: null }, conversationId, { slowModeSeconds: 60 });
    await send(member, conversationId, 'first');
    const seq = await lastSeq(conversationId);
    const events = (await eventsOf(conversationId, member.id)).length;
    await expect(send(member, conversationId, 'too soon')).rejects.toMatchObject({ code: 'SLOW_MODE' });
    expect(await lastSeq(conversationId)).toBe(seq);
    expect((await eventsOf(conversationId, member.id)).length).toBe(events);
    await send(owner, conversationId, 'one');
    await send(owner, conversationId, 'two');
    expect(await lastSeq(conversationId)).toBe(seq + 2);
  });

  it('answers a reused clientMessageId with the first message, taking no seq and logging nothing', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const conversationId = await given.direct(ada, bob);
    const clientMessageId = randomUUID();
    const first = await send(ada, conversationId, 'once', clientMessageId);
    const events = (await eventsOf(conversationId, ada.id)).length;
    const copies = await Promise.all([1, 2, 3].map(() => send(ada, conversationId, 'once', clientMessageId)));
    expect(copies.map((copy) => [copy.created, copy.message.id])).toEqual([1, 2, 3].map(() => [false, first.message.id]));
    expect(await lastSeq(conversationId)).toBe(first.message.seq);
    expect((await eventsOf(conversationId, ada.id)).length).toBe(events);
  });

  it('clears the sender’s draft with its event after the message’s, and brings back who archived the conversation', async () => {
    const [ada, bob] = [await given.user(), await given.user()];
    const conversationId = await given.direct(ada, bob);
    await app.running.app.get(DraftsService).save(ada, conversationId, 'half a thought');
    await app.running.app.get(ConversationsService).updateOwnState(bob, conversationId, { archived: true });
    const before = (await eventsOf(conversationId, ada.id)).length;
    const { message } = await send(ada, conversationId, 'the whole thought');
    const after = (await eventsOf(conversationId, ada.id)).slice(before);
    expect(after.map((logged) => logged.type)).toEqual(['message.created', 'draft.updated']);
    expect(after[1].data).toEqual({ conversationId, threadRootId: null, content: null, updatedAt: null });
    expect(after[0].message_id).toBe(message.id);
    expect(await database.query('SELECT 1 FROM draft WHERE user_id = $1', [ada.id])).toEqual([]);
    const [bobs] = (await database.query('SELECT archived FROM conversation_member WHERE conversation_id = $1 AND user_id = $2', [
      conversationId,
      bob.id,
    ])) as Array<{
      archived: boolean;
    }>;
    expect(bobs.archived).toBe(false);
    // With no draft, none is cleared and no draft event is logged.
    await send(ada, conversationId, 'and another');
    expect((await eventsOf(conversationId, ada.id)).slice(before + 2).map((logged) => logged.type)).toEqual(['message.created']);
  });
});
