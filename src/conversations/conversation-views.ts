import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { NotFound } from '../common/errors/app.exception.js';
import { MessageViews } from '../messages/message-views.js';
import { PresenceReader } from '../users/presence-reader.js';
import { toProfile } from '../users/user.mappers.js';
import { ConversationMember } from './conversation-member.entity.js';
import { toConversation, toMember, withMembers } from './conversation.mapper.js';
import type { ConversationDetailDto, ConversationDto } from './dto/conversation.dto.js';
import { ConversationsRepository, type MembershipRow } from './conversations.repository.js';

/**
 * Builds `Conversation`s with a fixed number of queries for any number of rows: one batch for the last
 * messages, one for unread counts, one for member counts — never one query per conversation.
 */
@Injectable()
export class ConversationViews {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessageViews,
    private readonly presence: PresenceReader,
  ) {}

  /** One `Conversation` per row, each as the row's member sees it, in the rows' order. */
  async build(rows: MembershipRow[], manager?: EntityManager): Promise<ConversationDto[]> {
    if (!rows.length) return [];
    const conversations = [...new Map(rows.map((row) => [row.id, { conversationId: row.id, lastSeq: Number(row.last_seq) }])).values()];
    const lastMessages = await this.messages.newestOf(conversations, manager);
    const unread = await this.conversations.unreadCounts(
      rows.map((row) => ({ conversationId: row.id, userId: row.user_id, lastReadSeq: Number(row.last_read_seq) })),
      manager,
    );
    const memberCounts = await this.conversations.memberCounts(
      conversations.map(({ conversationId }) => conversationId),
      manager,
    );
    return rows.map((row) =>
      toConversation(row, {
        lastMessage: lastMessages.get(row.id),
        unreadCount: unread.get(`${row.id}:${row.user_id}`) ?? 0,
        memberCount: memberCounts.get(row.id) ?? 0,
      }),
    );
  }

  /** The conversation as `userId` sees it, with every member's profile; 404 for a non-member. */
  async detail(userId: string, conversationId: string): Promise<ConversationDetailDto> {
    const rows = await this.conversations.membershipsOf(conversationId, [userId]);
    if (!rows.length) throw new NotFound('Conversation');
    const [conversation] = await this.build(rows);
    const members = await this.dataSource.manager.find(ConversationMember, {
      where: { conversationId },
      relations: { user: { avatarMedia: true } },
      order: { joinedAt: 'ASC', userId: 'ASC' },
    });
    const profiles = await Promise.all(members.map(async (member) => toProfile(member.user!, await this.presence.isOnline(member.userId))));
    return withMembers(
      conversation,
      members.map((member, index) => toMember(member, profiles[index])),
    );
  }
}
