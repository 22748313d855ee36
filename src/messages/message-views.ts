import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { combine, selectPrepared } from '../database/sql.js';
import { otherMembersMarkersPart } from '../memberships/conversations.repository.js';
import { MessageAttachments } from './message-attachments.js';
import { type MessageData, type MessageRow, type ReactionData, statusOf, toMessageData } from './message.mapper.js';
import { messageDetailsPart, MessagesRepository } from './messages.repository.js';

interface MessageDetailsRow {
  reactions: Array<{ m: string; e: string; u: string[] }>;
  attachments: Array<{ m: string; id: string }>;
  mentions: Array<{ m: string; u: string }>;
  markers: Array<{ c: string; s: string; r: number | string; d: number | string }>;
}

/**
 * Everything a page of messages shows beside its rows, in one round trip: reactions, attachment ids and
 * mentions of `messageIds`, and the other members' lowest markers for each (conversation, sender) pair
 * (a message's status). Exported for the benchmark's raw baseline, which runs the same statement.
 */
export function messageDetailsQuery(messageIds: string[], pairs: Array<{ conversationId: string; senderId: string }>) {
  return combine(
    [messageDetailsPart(messageIds), otherMembersMarkersPart(pairs)],
    `SELECT (SELECT list FROM h_reactions) AS reactions, (SELECT list FROM h_attachments) AS attachments,
            (SELECT list FROM h_mentions) AS mentions, (SELECT list FROM h_markers) AS markers`,
  );
}

/** Items by key, in their order, each turned into what the map holds. */
function groupBy<T, V>(items: T[], keyOf: (item: T) => string, valueOf: (item: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(valueOf(item));
    else groups.set(keyOf(item), [valueOf(item)]);
  }
  return groups;
}

/**
 * Turns message rows into `MessageData` with one query whatever the number of messages
 * (`messageDetailsQuery`), and one more for the uploads when some of them carry attachments.
 */
@Injectable()
export class MessageViews {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: MessagesRepository,
    private readonly attachments: MessageAttachments,
  ) {}

  async hydrate(rows: MessageRow[], manager: EntityManager = this.dataSource.manager): Promise<MessageData[]> {
    if (!rows.length) return [];
    const pairs = new Map(rows.map((row) => [`${row.conversation_id}:${row.sender_id}`, { conversationId: row.conversation_id, senderId: row.sender_id }]));
    const { sql, parameters } = messageDetailsQuery(
      rows.map((row) => row.id),
      [...pairs.values()],
    );
    const [details] = await selectPrepared<MessageDetailsRow>(manager, 'message_details', sql, parameters);
    const reactions = groupBy(
      details.reactions,
      ({ m }) => m,
      ({ e, u }): ReactionData => ({ emoji: e, count: u.length, userIds: u }),
    );
    const mentions = groupBy(
      details.mentions,
      ({ m }) => m,
      ({ u }) => u,
    );
    const attachments = await this.attachments.viewsOf(
      details.attachments.map(({ m, id }) => ({ message_id: m, media_id: id })),
      manager,
    );
    const markersByPair = new Map(details.markers.map(({ c, s, r, d }) => [`${c}:${s}`, { readSeq: Number(r), deliveredSeq: Number(d) }]));
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
