import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import type { ConversationGrant } from '../access/access.types.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ConversationsRepository } from '../memberships/conversations.repository.js';
import { UsersRepository } from '../users/users.repository.js';

/** `@` + a username (`^[a-z0-9_]{3,32}$`), not inside a word or an email address, matched case-insensitively. */
const MENTION = /(?<![\p{L}\p{N}_.@])@([A-Za-z0-9_]{3,32})(?![A-Za-z0-9_])/gu;
/** The keyword that mentions every member of a group (owners and admins only). */
export const MENTION_ALL = 'all';
/** More distinct `@names` than this in one message: the rest are not looked up. */
export const MAX_MENTIONED_NAMES = 50;

/** The lower-cased names after `@` in the text, distinct, at most `MAX_MENTIONED_NAMES`. */
export function mentionedNames(content: string | null): string[] {
  if (!content) return [];
  const names = new Set<string>();
  for (const match of content.matchAll(MENTION)) {
    names.add(match[1].toLowerCase());
    if (names.size >= MAX_MENTIONED_NAMES) break;
  }
  return [...names];
}

/**
 * Who a message mentions: the members named `@username` in its text, and every member for `@all` in a
 * group when the sender may (`conversation.mention-all`: owners and admins; from anyone else `@all` is
 * plain text). Never the sender, nor anyone with a block either way with the sender (nobody is
 * notified by someone they blocked). Unknown names and non-members are plain text.
 */
@Injectable()
export class MessageMentions {
  constructor(
    private readonly access: AccessService,
    private readonly memberships: ConversationsRepository,
    private readonly users: UsersRepository,
  ) {}

  async resolve(sender: AuthUser, grant: ConversationGrant, content: string | null, manager?: EntityManager): Promise<string[]> {
    const names = mentionedNames(content);
    if (!names.length) return [];
    const conversationId = grant.conversationId;
    let candidates: string[];
    if (names.includes(MENTION_ALL) && (await this.access.check(sender, Permission.MentionAll, { conversationId }, { manager }))) {
      candidates = await this.memberships.memberIds(conversationId, manager);
    } else {
      const byName = await this.users.activeIdsByUsername(
        names.filter((name) => name !== MENTION_ALL),
        manager,
      );
      if (!byName.size) return [];
      const members = await this.memberships.membershipsOf(conversationId, [...byName.values()], manager);
      candidates = members.map((member) => member.user_id);
    }
    const others = candidates.filter((id) => id !== sender.id);
    return (await this.access.unblockedAmong(sender, others, manager)).sort();
  }
}
