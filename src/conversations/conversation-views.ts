import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { combine, selectPrepared } from '../database/sql.js';
import { AccessService } from '../access/access.service.js';
import { Permission } from '../access/permission.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { ConversationsRepository, memberCountsPart, type MembershipRow } from '../memberships/conversations.repository.js';
import { DraftsRepository } from '../memberships/drafts.repository.js';
import { MessageViews } from '../messages/message-views.js';
import { unreadCountsPart, unreadMentionsPart } from '../messages/messages.repository.js';
import { UsersService } from '../users/users.service.js';
import { toConversation, toMember, withMembers } from './conversation.mapper.js';
import type { ConversationDetailDto, ConversationDto } from './dto/conversation.dto.js';
import { MediaUrls } from '../media/media-urls.js';
import type { ProfileDto } from '../users/dto/profile.dto.js';

/**
 * "A conversation with its last message": builds `Conversation`s with a fixed number of queries for any
 * number of rows — the last messages, one statement for the unread counts, unread mentions and member
 * counts, one for drafts — never one query per conversation. It sits above both the membership data and messages, and reads each
 * through its own repository.
 */
@Injectable()
export class ConversationViews {
  constructor(
    private readonly access: AccessService,
    private readonly conversations: ConversationsRepository,
    private readonly drafts: DraftsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messageViews: MessageViews,
    private readonly users: UsersService,
    private readonly urls: MediaUrls,
  ) {}

  /**
   * One `Conversation` per row, each as the row's member sees it, in the rows' order. `lock` share-locks
   * the last messages while the caller's transaction runs, so an edit or delete of one either waits for
   * it (and then rewrites the events it wrote) or is seen by it.
   */
  async build(rows: MembershipRow[], manager?: EntityManager, options: { lock?: boolean } = {}): Promise<ConversationDto[]> {
    if (!rows.length) return [];
    const conversations = [...new Map(rows.map((row) => [row.id, { conversationId: row.id, lastSeq: Number(row.last_seq) }])).values()];
    const lastMessages = await this.messageViews.newestOf(conversations, manager, options);
    const markers = rows.map((row) => ({ conversationId: row.id, userId: row.user_id, lastReadSeq: Number(row.last_read_seq) }));
    const { unread, unreadMentions, memberCounts } = await this.counts(
      markers,
      conversations.map(({ conversationId }) => conversationId),
      manager,
    );
    const drafts = await this.drafts.ofConversations(markers, manager);
    const peerOf = await this.peers(rows, manager);
    return rows.map((row) =>
      toConversation(
        row,
        {
          lastMessage: lastMessages.get(row.id),
          unreadCount: unread.get(`${row.id}:${row.user_id}`) ?? 0,
          unreadMentions: unreadMentions.get(`${row.id}:${row.user_id}`) ?? 0,
          draft: ((draft) => draft && { content: draft.content, updatedAt: draft.updated_at })(drafts.get(`${row.id}:${row.user_id}`)),
          memberCount: memberCounts.get(row.id) ?? 0,
          peer: peerOf(row),
        },
        this.urls,
      ),
    );
  }

  /** A page's counts in one prepared statement: unread messages and mentions per (conversation, member), members per conversation. */
  private async counts(markers: Array<{ conversationId: string; userId: string; lastReadSeq: number }>, conversationIds: string[], manager?: EntityManager) {
    const { sql, parameters } = combine(
      [unreadCountsPart(markers), unreadMentionsPart(markers), memberCountsPart(conversationIds)],
      'SELECT (SELECT list FROM x_unread) AS unread, (SELECT list FROM x_mentions) AS mentions, (SELECT list FROM x_members) AS members',
    );
    type Count = { c: string; u: string; n: number };
    const [row] = await selectPrepared<{ unread: Count[]; mentions: Count[]; members: Array<{ c: string; n: number }> }>(
      manager ?? this.dataSource.manager,
      'conversation_counts',
      sql,
      parameters,
    );
    return {
      unread: new Map(row.unread.map(({ c, u, n }) => [`${c}:${u}`, n])),
      unreadMentions: new Map(row.mentions.map(({ c, u, n }) => [`${c}:${u}`, n])),
      memberCounts: new Map(row.members.map(({ c, n }) => [c, n])),
    };
  }

  /** For each direct row, the profile of the member who is not the row's: one query for the pairs, one for the profiles. */
  private async peers(rows: MembershipRow[], manager?: EntityManager): Promise<(row: MembershipRow) => ProfileDto | null> {
    const direct = rows.filter((row) => row.type === 'direct');
    if (!direct.length) return () => null;
    const members = await this.conversations.directMembers([...new Set(direct.map((row) => row.id))], manager);
    const profiles = await this.users.profilesOf([...new Set(members.map((member) => member.user_id))], manager);
    const pairs = new Map<string, string[]>();
    for (const member of members) pairs.set(member.conversation_id, [...(pairs.get(member.conversation_id) ?? []), member.user_id]);
    return (row) => {
      const peer = row.type === 'direct' ? pairs.get(row.id)?.find((userId) => userId !== row.user_id) : undefined;
      return (peer ? profiles.get(peer) : undefined) ?? null;
    };
  }

  /** The conversation as `user` sees it, with every member's profile; 404 for a non-member. */
  async detail(user: AuthUser, conversationId: string): Promise<ConversationDetailDto> {
    await this.access.require(user, Permission.ConversationRead, { conversationId });
    const rows = await this.conversations.membershipsOf(conversationId, [user.id]);
    const [conversation] = await this.build(rows);
    const members = await this.conversations.members(conversationId);
    const profiles = await this.users.profilesOf(members.map((member) => member.user_id));
    return withMembers(
      conversation,
      members.map((member) => toMember(member, profiles.get(member.user_id)!)),
    );
  }
}
