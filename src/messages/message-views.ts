import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationsRepository } from '../memberships/conversations.repository.js';
import { MessageAttachments } from './message-attachments.js';
import { type MessageData, type MessageRow, statusOf, toMessageData } from './message.mapper.js';
import { MessagesRepository } from './messages.repository.js';

/**
 * Turns message rows into `MessageData` with a fixed number of queries whatever the number of messages:
 * one for reactions, one for attachments, one for mentions, one aggregate for every sender's status.
 */
@Injectable()
export class MessageViews {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly attachments: MessageAttachments,
    private readonly memberships: ConversationsRepository,
  ) {}

  async hydrate(rows: MessageRow[], manager?: EntityManager): Promise<MessageData[]> {
    if (!rows.length) return [];
    const ids = rows.map((row) => row.id);
    const pairs = new Map(rows.map((row) => [`${row.conversation_id}:${row.sender_id}`, { conversationId: row.conversation_id, senderId: row.sender_id }]));
    // Sequential: inside a transaction they share one connection anyway.
    const reactions = await this.messages.reactionsOf(ids, manager);
    const attachments = await this.attachments.attachmentsOf(ids, manager);
    const mentions = await this.messages.mentionsOf(ids, manager);
    const markers = await this.memberships.otherMembersMarkers([...pairs.values()], manager);
    const markersByPair = new Map(markers.map((marker) => [`${marker.conversationId}:${marker.senderId}`, marker]));
    return rows.map((row) =>
      toMessageData(row, {
        reactions: reactions.get(row.id) ?? [],
        attachments: attachments.get(row.id) ?? [],
        mentions: mentions.get(row.id) ?? [],
        status: statusOf(Number(row.seq), markersByPair.get(`${row.conversation_id}:${row.sender_id}`)),
      }),
    );
  }

  async one(row: MessageRow, manager?: EntityManager): Promise<MessageData> {
    const [message] = await this.hydrate([row], manager);
    return message;
  }

  async byIds(messageIds: string[], manager?: EntityManager): Promise<MessageData[]> {
    return this.hydrate(await this.messages.byIds(messageIds, manager), manager);
  }

  /** Each conversation's newest message, keyed by conversation; `lock` share-locks them in the caller's transaction. */
  async newestOf(
    conversations: Array<{ conversationId: string; lastSeq: number }>,
    manager?: EntityManager,
    options: { lock?: boolean } = {},
  ): Promise<Map<string, MessageData>> {
    const rows = await this.messages.atSeqs(
      conversations.map(({ conversationId, lastSeq }) => ({ conversationId, seq: lastSeq })),
      manager,
      options.lock,
    );
    const messages = await this.hydrate(rows, manager);
    return new Map(messages.map((message) => [message.conversationId, message]));
  }
}
