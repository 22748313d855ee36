import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../../../src/common/auth/auth-user.js';
import { ConversationsService } from '../../../src/conversations/conversations.service.js';
import { Media } from '../../../src/media/media.entity.js';
import { MessagesService } from '../../../src/messages/messages.service.js';
import { UserBlocks } from '../../../src/users/user-blocks.service.js';
import { UsersRepository } from '../../../src/users/users.repository.js';
import type { TestApp } from '../../support/test-app.js';

/**
 * Builders for the service tier: state made through the services (and the owning repositories), no
 * HTTP. `const given = serviceGiven(app.running); const ada = await given.user();`.
 */
export function serviceGiven(running: TestApp) {
  const get = <T>(type: abstract new (...args: never[]) => T) => running.app.get(type as never) as T;
  const database = () => get(DataSource);

  return {
    /** A user as a session of theirs calls the services. */
    async user(role: AuthUser['role'] = 'user'): Promise<AuthUser> {
      const username = `s_${randomBytes(6).toString('hex')}`;
      const user = await database().transaction((manager) =>
        get(UsersRepository).insert(manager, { email: `${username}@example.test`, username, displayName: username, passwordHash: 'x', role }),
      );
      return { id: user.id, role, sessionId: randomUUID() };
    },

    async group(owner: AuthUser, members: AuthUser[], admins: AuthUser[] = []): Promise<string> {
      const conversations = get(ConversationsService);
      const { id } = await conversations.createGroup(owner, {
        type: 'group',
        title: 'service tier',
        memberIds: [...members, ...admins].map((user) => user.id),
      });
      for (const admin of admins) await conversations.setRole(owner, id, admin.id, { role: 'admin' });
      return id;
    },

    async direct(a: AuthUser, b: AuthUser): Promise<string> {
      return (await get(ConversationsService).openDirect(a, { type: 'direct', userId: b.id })).conversation.id;
    },

    async message(sender: AuthUser, conversationId: string, content = 'hello', attachmentIds?: string[]): Promise<string> {
      const { message } = await get(MessagesService).send(sender, conversationId, { clientMessageId: randomUUID(), content, attachmentIds }, 'rest');
      return message.id;
    },

    /** An upload's row (the bytes don't matter to who may read or use it). */
    async upload(uploader: AuthUser, mimeType = 'image/png'): Promise<string> {
      const id = randomUUID();
      await database().manager.insert(Media, {
        id,
        uploaderId: uploader.id,
        mimeType,
        size: 1,
        sha256: '0'.repeat(64),
        width: 1,
        height: 1,
        hasThumbnail: false,
      });
      return id;
    },

    block(blocker: AuthUser, blocked: AuthUser): Promise<void> {
      return get(UserBlocks).block(blocker, blocked.id);
    },
  };
}

export type ServiceGiven = ReturnType<typeof serviceGiven>;
